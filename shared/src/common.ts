import Type from 'typebox'

/** Version of the wire protocol this package describes; sent in `welcome`. */
export const PROTOCOL_VERSION = 1

/**
 * A request id chosen by the client; replies echo it. Strings only, so that a
 * reply can never be confused with a push (pushes carry the event id in `id`
 * but never a request's: reply and event `type`s never share a name).
 */
export const RequestIdSchema = Type.String({ minLength: 1, maxLength: 64 })

/**
 * Channel names: lowercase segments separated by `:` `-` `_` `.` or `/`.
 * Always scoped to the connection's own tenant on the server, so a name can
 * never address another tenant.
 */
export const CHANNEL_PATTERN = '^[a-z0-9][a-z0-9_.:/-]{0,127}$'
export const ChannelNameSchema = Type.String({ pattern: CHANNEL_PATTERN, maxLength: 128 })

/** Tenant, user and role identifiers as they come from tokens. */
export const IdentifierSchema = Type.String({ minLength: 1, maxLength: 128 })

/** ISO-8601 timestamp string. */
export const TimestampSchema = Type.String({ format: 'date-time' })

/** Position in a channel's history: an offset within an epoch (a new epoch when history was lost). */
export const StreamPositionSchema = Type.Object(
  {
    offset: Type.Integer({ minimum: 0 }),
    epoch: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
)
export type StreamPosition = Type.Static<typeof StreamPositionSchema>

import Type from 'typebox'
import { ChannelNameSchema, IdentifierSchema, RequestIdSchema } from '../common.ts'

/**
 * Presence, cluster-wide, on channels the operator enabled it for
 * (PRESENCE_CHANNELS). `presence:get` asks either who is subscribed to a
 * channel (the asker must be allowed to subscribe to it) or how many
 * connections some users of the asker's own tenant have; the reply is
 * `presence`. Pushes `presence:join` / `presence:leave` reach a channel's
 * subscribers when a user's first connection subscribes or its last one
 * leaves (closing counts as leaving). They carry the channel, no offset,
 * and are never replayed.
 */
export const PresenceGetFrameSchema = Type.Object(
  {
    type: Type.Literal('presence:get'),
    id: Type.Optional(RequestIdSchema),
    channel: Type.Optional(ChannelNameSchema),
    users: Type.Optional(Type.Array(IdentifierSchema, { minItems: 1, maxItems: 100 })),
  },
  // `channel` or `users` (or both) must be given, with an `id` or without: counting properties cannot say it
  { additionalProperties: false, minProperties: 2, anyOf: [{ required: ['channel'] }, { required: ['users'] }] },
)

/** Reply to `presence:get`: channel presence, user counts, or both. */
export const PresenceFrameSchema = Type.Object({
  type: Type.Literal('presence'),
  id: Type.Optional(RequestIdSchema),
  channel: Type.Optional(ChannelNameSchema),
  /** Subscribed connections of the channel. */
  connections: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Subscribed users of the channel, each with its connections there. */
  users: Type.Optional(Type.Array(Type.Object({ user: Type.String(), connections: Type.Integer({ minimum: 1 }) }))),
  /** For `users`: connections of each asked user anywhere in the cluster (0 = offline). */
  online: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 0 }))),
})

/** `data` of the `presence:join` and `presence:leave` pushes. */
export const PresenceChangeSchema = Type.Object({ user: Type.String() })

export const PRESENCE_CLIENT_FRAME_SCHEMAS = { 'presence:get': PresenceGetFrameSchema } as const
export const PRESENCE_SERVER_FRAME_SCHEMAS = { presence: PresenceFrameSchema } as const
/**
 * Pushes that are not catalog events (nobody may publish them): their `data`
 * schema by type. A client handles them like events, `on('presence:join', ...)`.
 */
export const PRESENCE_PUSHES = { 'presence:join': PresenceChangeSchema, 'presence:leave': PresenceChangeSchema } as const
export const PRESENCE_PUSH_TYPES = Object.keys(PRESENCE_PUSHES) as Array<keyof typeof PRESENCE_PUSHES>

export type PresenceGetFrame = Type.Static<typeof PresenceGetFrameSchema>
export type PresenceFrame = Type.Static<typeof PresenceFrameSchema>
export type PresenceChange = Type.Static<typeof PresenceChangeSchema>

import Type from 'typebox'
import { ChannelNameSchema, RequestIdSchema, StreamPositionSchema } from '../common.ts'
import { PRESENCE_CLIENT_FRAME_SCHEMAS, type PresenceGetFrame } from './presence-frames.ts'
import {
  NOTIFICATION_CLIENT_FRAME_SCHEMAS,
  type NotificationsDeleteFrame,
  type NotificationsGetFrame,
  type NotificationsReadAllFrame,
  type NotificationsReadFrame,
} from './notification-frames.ts'
import { DEVICE_CLIENT_FRAME_SCHEMAS, type DeviceSwitchFrame } from './device-frames.ts'

/** `{type:"auth", token}`: first request on `/ws`; again later to refresh a token. */
export const AuthFrameSchema = Type.Object(
  {
    type: Type.Literal('auth'),
    id: Type.Optional(RequestIdSchema),
    token: Type.String({ minLength: 1, maxLength: 8192 }),
  },
  { additionalProperties: false },
)

/** Application-level ping; answered by `pong` echoing `id`. */
export const PingFrameSchema = Type.Object(
  { type: Type.Literal('ping'), id: Type.Optional(RequestIdSchema) },
  { additionalProperties: false },
)

/** Answer to the server's `ping`. */
export const PongFrameSchema = Type.Object(
  { type: Type.Literal('pong'), id: Type.Optional(RequestIdSchema) },
  { additionalProperties: false },
)

/**
 * Per-channel filters (reference 004's eventFilters/logFilters): each key is a
 * field of the event's `data`, each value the accepted values. An event passes
 * when every named field matches one of its values.
 */
export const FiltersSchema = Type.Record(
  Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' }),
  Type.Array(Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]), { maxItems: 32 }),
  // a key pattern alone only adds patternProperties: refuse every other key too
  { additionalProperties: false, maxProperties: 16 },
)

export const SubscribeFrameSchema = Type.Object(
  {
    type: Type.Literal('subscribe'),
    id: Type.Optional(RequestIdSchema),
    channels: Type.Array(ChannelNameSchema, { minItems: 1, maxItems: 64 }),
    filters: Type.Optional(FiltersSchema),
    /** Recover from these positions (channel -> last seen position). */
    since: Type.Optional(Type.Record(ChannelNameSchema, StreamPositionSchema, { additionalProperties: false, maxProperties: 64 })),
  },
  { additionalProperties: false },
)

export const UnsubscribeFrameSchema = Type.Object(
  {
    type: Type.Literal('unsubscribe'),
    id: Type.Optional(RequestIdSchema),
    channels: Type.Array(ChannelNameSchema, { minItems: 1, maxItems: 64 }),
  },
  { additionalProperties: false },
)

/** Every client frame schema by its `type`: the dispatcher compiles one validator each. */
export const CLIENT_FRAME_SCHEMAS = {
  auth: AuthFrameSchema,
  ping: PingFrameSchema,
  pong: PongFrameSchema,
  subscribe: SubscribeFrameSchema,
  unsubscribe: UnsubscribeFrameSchema,
  ...PRESENCE_CLIENT_FRAME_SCHEMAS,
  ...NOTIFICATION_CLIENT_FRAME_SCHEMAS,
  ...DEVICE_CLIENT_FRAME_SCHEMAS,
} as const

export type ClientFrameType = keyof typeof CLIENT_FRAME_SCHEMAS
export const ClientFrameSchema = Type.Union(Object.values(CLIENT_FRAME_SCHEMAS))

export type AuthFrame = Type.Static<typeof AuthFrameSchema>
export type PingFrame = Type.Static<typeof PingFrameSchema>
export type PongFrame = Type.Static<typeof PongFrameSchema>
export type SubscribeFrame = Type.Static<typeof SubscribeFrameSchema>
export type UnsubscribeFrame = Type.Static<typeof UnsubscribeFrameSchema>
export type ClientFrame =
  | AuthFrame
  | PingFrame
  | PongFrame
  | SubscribeFrame
  | UnsubscribeFrame
  | PresenceGetFrame
  | NotificationsGetFrame
  | NotificationsReadFrame
  | NotificationsReadAllFrame
  | NotificationsDeleteFrame
  | DeviceSwitchFrame
export type ClientFrameOf<T extends ClientFrameType> = Type.Static<(typeof CLIENT_FRAME_SCHEMAS)[T]>

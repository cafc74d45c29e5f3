import Type from 'typebox'
import { ChannelNameSchema, IdentifierSchema, RequestIdSchema, StreamPositionSchema, TimestampSchema } from '../common.ts'
import { PRESENCE_SERVER_FRAME_SCHEMAS, type PresenceFrame } from './presence-frames.ts'
import { ERROR_CODE_NAMES } from '../errors.ts'
import { CLIENT_FRAME_SCHEMAS } from './client-frames.ts'
import { NOTIFICATION_SERVER_FRAME_SCHEMAS, type NotificationsAckFrame, type NotificationsFrame } from './notification-frames.ts'
import { DEVICE_SERVER_FRAME_SCHEMAS, type DeviceSwitchResultFrame } from './device-frames.ts'

const ErrorCodeSchema = Type.Enum(ERROR_CODE_NAMES)

/** First frame on every connection, before authentication. */
export const WelcomeFrameSchema = Type.Object({
  type: Type.Literal('welcome'),
  connectionId: Type.String(),
  protocol: Type.Integer(),
  heartbeatIntervalMs: Type.Integer(),
  authTimeoutMs: Type.Integer(),
  serverTime: TimestampSchema,
  /** True when the connection was authenticated at the upgrade (`/ws/connect?token=`). */
  authenticated: Type.Boolean(),
})

export const AuthSuccessFrameSchema = Type.Object({
  type: Type.Literal('auth_success'),
  id: Type.Optional(RequestIdSchema),
  connectionId: Type.String(),
  user: IdentifierSchema,
  tenant: IdentifierSchema,
  roles: Type.Array(Type.String()),
  /** Token expiry; the connection ends at this time unless re-authenticated. */
  expiresAt: Type.Union([TimestampSchema, Type.Null()]),
  /** Rooms joined automatically: tenant, user and one per role. */
  rooms: Type.Array(Type.String()),
})

export const AuthErrorFrameSchema = Type.Object({
  type: Type.Literal('auth_error'),
  id: Type.Optional(RequestIdSchema),
  code: ErrorCodeSchema,
  message: Type.String(),
})

export const ServerPingFrameSchema = Type.Object({ type: Type.Literal('ping'), ts: Type.Integer() })

export const ServerPongFrameSchema = Type.Object({
  type: Type.Literal('pong'),
  id: Type.Optional(RequestIdSchema),
  ts: Type.Integer(),
})

export const DeniedChannelSchema = Type.Object({
  channel: Type.String(),
  code: ErrorCodeSchema,
  message: Type.String(),
})

/** Channel recovery result when the subscribe carried `since`, or the channel keeps history. */
export const RecoverySchema = Type.Object({
  channel: ChannelNameSchema,
  recovered: Type.Boolean(),
  /** Current position after the replayed messages (resume from here next time). */
  position: StreamPositionSchema,
  replayed: Type.Integer({ minimum: 0 }),
})

export const SubscribedFrameSchema = Type.Object({
  type: Type.Literal('subscribed'),
  id: Type.Optional(RequestIdSchema),
  channels: Type.Array(ChannelNameSchema),
  denied: Type.Array(DeniedChannelSchema),
  recovery: Type.Optional(Type.Array(RecoverySchema)),
})

export const UnsubscribedFrameSchema = Type.Object({
  type: Type.Literal('unsubscribed'),
  id: Type.Optional(RequestIdSchema),
  channels: Type.Array(ChannelNameSchema),
})

export const ValidationIssueSchema = Type.Object({ path: Type.String(), message: Type.String() })

export const ErrorFrameSchema = Type.Object({
  type: Type.Literal('error'),
  /** Echo of the offending request's `id`, when it had one. */
  id: Type.Optional(RequestIdSchema),
  code: ErrorCodeSchema,
  message: Type.String(),
  /** Reference of this error, also written to the server log, for support. */
  ref: Type.Optional(Type.String()),
  temporary: Type.Boolean(),
  details: Type.Optional(Type.Array(ValidationIssueSchema)),
})

/**
 * A pushed event: `type` is the event type from the catalog, `id` the event's
 * own id (never a request id), `channel` absent for room deliveries (tenant,
 * user, role). `offset`/`epoch` present when the channel keeps history.
 */
export const PushFrameSchema = Type.Object({
  type: Type.String(),
  id: Type.String(),
  ts: TimestampSchema,
  channel: Type.Optional(ChannelNameSchema),
  offset: Type.Optional(Type.Integer()),
  epoch: Type.Optional(Type.String()),
  data: Type.Unknown(),
})

export const SERVER_FRAME_SCHEMAS = {
  welcome: WelcomeFrameSchema,
  auth_success: AuthSuccessFrameSchema,
  auth_error: AuthErrorFrameSchema,
  ping: ServerPingFrameSchema,
  pong: ServerPongFrameSchema,
  subscribed: SubscribedFrameSchema,
  unsubscribed: UnsubscribedFrameSchema,
  error: ErrorFrameSchema,
  ...PRESENCE_SERVER_FRAME_SCHEMAS,
  ...NOTIFICATION_SERVER_FRAME_SCHEMAS,
  ...DEVICE_SERVER_FRAME_SCHEMAS,
} as const

/** Reply/control `type`s; no event type may use one of these names. */
export const RESERVED_FRAME_TYPES: ReadonlySet<string> = new Set([
  ...Object.keys(SERVER_FRAME_SCHEMAS),
  ...Object.keys(CLIENT_FRAME_SCHEMAS),
])

export type WelcomeFrame = Type.Static<typeof WelcomeFrameSchema>
export type AuthSuccessFrame = Type.Static<typeof AuthSuccessFrameSchema>
export type AuthErrorFrame = Type.Static<typeof AuthErrorFrameSchema>
export type ServerPingFrame = Type.Static<typeof ServerPingFrameSchema>
export type ServerPongFrame = Type.Static<typeof ServerPongFrameSchema>
export type SubscribedFrame = Type.Static<typeof SubscribedFrameSchema>
export type UnsubscribedFrame = Type.Static<typeof UnsubscribedFrameSchema>
export type ErrorFrame = Type.Static<typeof ErrorFrameSchema>
export type PushFrame<D = unknown> = Omit<Type.Static<typeof PushFrameSchema>, 'data'> & { data: D }
export type Recovery = Type.Static<typeof RecoverySchema>
export type ServerFrame =
  | WelcomeFrame
  | AuthSuccessFrame
  | AuthErrorFrame
  | ServerPingFrame
  | ServerPongFrame
  | SubscribedFrame
  | UnsubscribedFrame
  | ErrorFrame
  | PresenceFrame
  | NotificationsFrame
  | NotificationsAckFrame
  | DeviceSwitchResultFrame

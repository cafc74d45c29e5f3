import Type from 'typebox'
import { RequestIdSchema } from '../common.ts'
import { NotificationDtoSchema } from '../events/notifications.ts'

/**
 * Reference 004's notification operations over the socket. Each request is
 * answered by a reply echoing its `id`: `notifications` for a get,
 * `notifications:ack` for the others. Reply types are plural, event types
 * (`notification:created|read|deleted`, pushed to all of the user's
 * connections) singular: the two never share a name.
 */
export const NotificationsGetFrameSchema = Type.Object(
  {
    type: Type.Literal('notifications:get'),
    id: Type.Optional(RequestIdSchema),
    unreadOnly: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
)

export const NotificationsReadFrameSchema = Type.Object(
  {
    type: Type.Literal('notifications:read'),
    id: Type.Optional(RequestIdSchema),
    notificationId: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
)

export const NotificationsReadAllFrameSchema = Type.Object(
  { type: Type.Literal('notifications:read-all'), id: Type.Optional(RequestIdSchema) },
  { additionalProperties: false },
)

export const NotificationsDeleteFrameSchema = Type.Object(
  {
    type: Type.Literal('notifications:delete'),
    id: Type.Optional(RequestIdSchema),
    notificationId: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
)

export const NOTIFICATION_CLIENT_FRAME_SCHEMAS = {
  'notifications:get': NotificationsGetFrameSchema,
  'notifications:read': NotificationsReadFrameSchema,
  'notifications:read-all': NotificationsReadAllFrameSchema,
  'notifications:delete': NotificationsDeleteFrameSchema,
} as const

/** Reply to `notifications:get`. */
export const NotificationsFrameSchema = Type.Object({
  type: Type.Literal('notifications'),
  id: Type.Optional(RequestIdSchema),
  notifications: Type.Array(NotificationDtoSchema),
  unreadCount: Type.Integer({ minimum: 0 }),
})

/** Reply to `notifications:read`, `notifications:read-all` and `notifications:delete`. */
export const NotificationsAckFrameSchema = Type.Object({
  type: Type.Literal('notifications:ack'),
  id: Type.Optional(RequestIdSchema),
  op: Type.Union([Type.Literal('read'), Type.Literal('read-all'), Type.Literal('delete')]),
  notificationId: Type.Optional(Type.String()),
  /** Notifications changed by the operation. */
  updated: Type.Integer({ minimum: 0 }),
  unreadCount: Type.Integer({ minimum: 0 }),
})

export const NOTIFICATION_SERVER_FRAME_SCHEMAS = {
  notifications: NotificationsFrameSchema,
  'notifications:ack': NotificationsAckFrameSchema,
} as const

export type NotificationsGetFrame = Type.Static<typeof NotificationsGetFrameSchema>
export type NotificationsReadFrame = Type.Static<typeof NotificationsReadFrameSchema>
export type NotificationsReadAllFrame = Type.Static<typeof NotificationsReadAllFrameSchema>
export type NotificationsDeleteFrame = Type.Static<typeof NotificationsDeleteFrameSchema>
export type NotificationsFrame = Type.Static<typeof NotificationsFrameSchema>
export type NotificationsAckFrame = Type.Static<typeof NotificationsAckFrameSchema>

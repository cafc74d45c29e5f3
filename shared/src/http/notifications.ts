import Type from 'typebox'
import { NotificationCategorySchema, NotificationDtoSchema, NotificationTypeSchema } from '../events/notifications.ts'

/** `GET /api/v1/notifications?unreadOnly=true` (reference 004): the caller's own, newest first. */
export const NotificationListQuerySchema = Type.Object(
  {
    unreadOnly: Type.Optional(Type.Boolean({ default: false })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  },
  { additionalProperties: false },
)
export type NotificationListQuery = Type.Static<typeof NotificationListQuerySchema>

export const NotificationListResponseSchema = Type.Object({
  notifications: Type.Array(NotificationDtoSchema),
  unreadCount: Type.Integer({ minimum: 0 }),
})
export type NotificationListResponse = Type.Static<typeof NotificationListResponseSchema>

/** `GET /api/v1/notifications/unread/count`. */
export const UnreadCountResponseSchema = Type.Object({ count: Type.Integer({ minimum: 0 }) })
export type UnreadCountResponse = Type.Static<typeof UnreadCountResponseSchema>

export const NotificationIdParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

/** `POST /api/v1/notifications/:id/read`. */
export const NotificationReadResponseSchema = Type.Object({
  success: Type.Boolean(),
  notificationId: Type.String(),
  readAt: Type.String({ format: 'date-time' }),
})

/** `POST /api/v1/notifications/read-all`. */
export const NotificationReadAllResponseSchema = Type.Object({
  success: Type.Boolean(),
  updated: Type.Integer({ minimum: 0 }),
})

/** `DELETE /api/v1/notifications/:id`. */
export const NotificationDeleteResponseSchema = Type.Object({
  success: Type.Boolean(),
  notificationId: Type.String(),
})

/**
 * `POST /api/v1/notifications` (service, tenant admin or admin): stores a
 * notification for `userId` and pushes `notification:created` to that user's
 * connections. `tenant` defaults to the caller's; only admin may name another.
 */
export const CreateNotificationBodySchema = Type.Object(
  {
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    userId: Type.String({ minLength: 1, maxLength: 128 }),
    type: NotificationTypeSchema,
    category: NotificationCategorySchema,
    title: Type.String({ minLength: 1, maxLength: 256 }),
    message: Type.String({ maxLength: 4096 }),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    actionUrl: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: false },
)
export type CreateNotificationBody = Type.Static<typeof CreateNotificationBodySchema>

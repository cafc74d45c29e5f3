import Type from 'typebox'

/** `notification` (reference 002's broadcast): a short message for every listener of a room. */
export const NotificationEventSchema = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 256 }),
  content: Type.String({ maxLength: 4096 }),
  level: Type.Union([Type.Literal('info'), Type.Literal('success'), Type.Literal('warning'), Type.Literal('error')]),
})

export const NotificationTypeSchema = Type.Union([
  Type.Literal('info'),
  Type.Literal('success'),
  Type.Literal('warning'),
  Type.Literal('error'),
  Type.Literal('action_required'),
])
export const NotificationCategorySchema = Type.Union([
  Type.Literal('event'),
  Type.Literal('user'),
  Type.Literal('resource'),
  Type.Literal('reservation'),
  Type.Literal('limit'),
  Type.Literal('error'),
  Type.Literal('system'),
])

/** Reference 004's NotificationDto: a stored, per-user in-app notification. */
export const NotificationDtoSchema = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  tenant: Type.String(),
  type: NotificationTypeSchema,
  category: NotificationCategorySchema,
  title: Type.String({ minLength: 1, maxLength: 256 }),
  message: Type.String({ maxLength: 4096 }),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  actionUrl: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()])),
  readAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  createdAt: Type.String(),
})

const NotificationRefSchema = Type.Object({ notificationId: Type.String({ minLength: 1 }) })

export const notificationEvents = {
  notification: NotificationEventSchema,
  'notification:created': NotificationDtoSchema,
  'notification:read': NotificationRefSchema,
  'notification:deleted': NotificationRefSchema,
} as const

import { defineEntity, p } from '@mikro-orm/core'

export const NOTIFICATION_TYPES = ['info', 'success', 'warning', 'error', 'action_required'] as const
export const NOTIFICATION_CATEGORIES = ['event', 'user', 'resource', 'reservation', 'limit', 'error', 'system'] as const

/**
 * `notification`: reference 004's in-app notifications, per user within a
 * tenant. At most MAX_NOTIFICATIONS_PER_USER are kept per (tenant, user):
 * creating one trims the oldest beyond the cap in the same transaction.
 */
export const NotificationSchema = defineEntity({
  name: 'Notification',
  tableName: 'notification',
  properties: {
    id: p.uuid().primary(),
    tenant: p.string().length(128),
    userId: p.string().length(128),
    type: p.enum(NOTIFICATION_TYPES),
    category: p.enum(NOTIFICATION_CATEGORIES),
    title: p.string().length(256),
    message: p.text(),
    data: p.json<Record<string, unknown>>().nullable(),
    actionUrl: p.string().length(2048).nullable(),
    readAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ name: 'notification_tenant_user_created_index', properties: ['tenant', 'userId', 'createdAt'] }],
})

export class Notification extends NotificationSchema.class {}
NotificationSchema.setClass(Notification)

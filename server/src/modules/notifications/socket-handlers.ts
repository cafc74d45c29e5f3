import type {
  NotificationsDeleteFrame,
  NotificationsGetFrame,
  NotificationsReadAllFrame,
  NotificationsReadFrame,
} from '@switchboard/shared'
import type { Connection } from '../../realtime/connection.ts'
import type { RealtimeContext } from '../../realtime/context.ts'
import type { FrameHandler } from '../../realtime/dispatch.ts'
import type { NotificationService } from './notification.service.ts'

/** The authenticated connection's own notifications. */
const ownerOf = (c: Connection) => ({ tenant: c.principal!.tenant, userId: c.principal!.user })

/**
 * Runs one database-backed operation for a frame: a database failure becomes
 * an UNAVAILABLE error reply (temporary: retry) echoing the request id, never
 * a dropped frame or a crash.
 */
async function guarded(ctx: RealtimeContext, c: Connection, id: string | undefined, op: () => Promise<void>): Promise<void> {
  try {
    await op()
  } catch (err) {
    const ref = c.sendError('UNAVAILABLE', 'Notifications are unavailable right now; try again shortly', id)
    ctx.log.warn({ err, ref, connectionId: c.id }, 'notification operation failed')
  }
}

/** Reference 004's socket operations, answered with `notifications` or `notifications:ack`. */
export function notificationHandlers(service: NotificationService) {
  const get: FrameHandler<NotificationsGetFrame> = {
    requiresAuth: true,
    handle: (ctx, c, frame) =>
      guarded(ctx, c, frame.id, async () => {
        const { notifications, unreadCount } = await service.list(ownerOf(c), {
          unreadOnly: frame.unreadOnly ?? false,
          limit: frame.limit ?? 50,
        })
        c.send({ type: 'notifications', ...(frame.id ? { id: frame.id } : {}), notifications, unreadCount })
      }),
  }

  const read: FrameHandler<NotificationsReadFrame> = {
    requiresAuth: true,
    handle: (ctx, c, frame) =>
      guarded(ctx, c, frame.id, async () => {
        const owner = ownerOf(c)
        const result = await service.markRead(owner, frame.notificationId)
        if (result === null) {
          c.sendError('NOT_FOUND', `No notification ${frame.notificationId}`, frame.id)
          return
        }
        const unreadCount = await service.unreadCount(owner)
        c.send({
          type: 'notifications:ack',
          ...(frame.id ? { id: frame.id } : {}),
          op: 'read',
          notificationId: frame.notificationId,
          updated: result.changed ? 1 : 0,
          unreadCount,
        })
      }),
  }

  const readAll: FrameHandler<NotificationsReadAllFrame> = {
    requiresAuth: true,
    handle: (ctx, c, frame) =>
      guarded(ctx, c, frame.id, async () => {
        const owner = ownerOf(c)
        const updated = await service.markAllRead(owner)
        // counted again: one may have been created meanwhile
        const unreadCount = await service.unreadCount(owner)
        c.send({ type: 'notifications:ack', ...(frame.id ? { id: frame.id } : {}), op: 'read-all', updated, unreadCount })
      }),
  }

  const remove: FrameHandler<NotificationsDeleteFrame> = {
    requiresAuth: true,
    handle: (ctx, c, frame) =>
      guarded(ctx, c, frame.id, async () => {
        const owner = ownerOf(c)
        const deleted = await service.delete(owner, frame.notificationId)
        if (!deleted) {
          c.sendError('NOT_FOUND', `No notification ${frame.notificationId}`, frame.id)
          return
        }
        const unreadCount = await service.unreadCount(owner)
        c.send({
          type: 'notifications:ack',
          ...(frame.id ? { id: frame.id } : {}),
          op: 'delete',
          notificationId: frame.notificationId,
          updated: 1,
          unreadCount,
        })
      }),
  }

  return { 'notifications:get': get, 'notifications:read': read, 'notifications:read-all': readAll, 'notifications:delete': remove }
}

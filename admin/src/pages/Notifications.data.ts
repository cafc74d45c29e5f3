import { createResource, createSignal } from 'solid-js'
import { ApiError, type NotificationDto } from '../api.ts'
import { onPush, useRealtime } from '../realtime.tsx'
import { useSession } from '../session.tsx'
import { useUi } from '../ui.tsx'

/**
 * The Notifications page's loader (reference 004): the operator's own
 * notifications, kept live by `notification:created|read|deleted` pushes, and
 * the REST actions. The sidebar badge follows the same pushes in the realtime provider.
 */
export function notificationsData() {
  const { api, principal } = useSession()
  const rt = useRealtime()
  const { toast } = useUi()
  const [unreadOnly, setUnreadOnly] = createSignal(false)

  // (a source returning `false` would mean "do not fetch" to createResource: wrap it)
  const [list, { mutate, refetch }] = createResource(() => ({ only: unreadOnly() }), async ({ only }) => {
    const res = await api.notifications({ unreadOnly: only, limit: 100 })
    if (!only) rt.setUnreadCount(res.unreadCount, res.notifications.filter((n) => !n.readAt).map((n) => n.id))
    return res.notifications
  })
  const items = () => (list.state === 'ready' || list.state === 'refreshing' ? (list.latest ?? []) : [])
  const update = (fn: (items: NotificationDto[]) => NotificationDto[]) => {
    if (list.state === 'ready' || list.state === 'refreshing') mutate(fn(list.latest ?? []))
  }

  onPush('notification:created', (n) => update((items) => [n, ...items.filter((i) => i.id !== n.id)]))
  onPush('notification:read', ({ notificationId }) =>
    update((items) =>
      unreadOnly() ? items.filter((i) => i.id !== notificationId) : items.map((i) => (i.id === notificationId ? { ...i, readAt: i.readAt ?? new Date().toISOString() } : i)),
    ),
  )
  onPush('notification:deleted', ({ notificationId }) => update((items) => items.filter((i) => i.id !== notificationId)))

  const fail = (what: string) => (err: unknown) => toast(`${what} failed: ${err instanceof ApiError ? err.message : String(err)}`, 'error')

  const markRead = (id: string) =>
    api
      .markRead(id)
      .then(() => {
        update((items) => items.map((i) => (i.id === id ? { ...i, readAt: new Date().toISOString() } : i)))
        rt.refreshUnread()
      })
      .catch(fail('Marking as read'))
  const remove = (id: string) =>
    api
      .deleteNotification(id)
      .then(() => {
        update((items) => items.filter((i) => i.id !== id))
        rt.refreshUnread()
      })
      .catch(fail('Deleting'))
  const readAll = () =>
    api
      .readAll()
      .then((r) => {
        toast(`${r.updated} marked as read`, 'success')
        rt.setUnreadCount(0)
        void refetch()
      })
      .catch(fail('Marking all as read'))
  /** Sends the operator a notification of their own: the quickest way to see the badge move. */
  const sendMeOne = () => {
    const p = principal()
    if (!p) return
    api
      .createNotification({
        userId: p.user,
        tenant: p.tenant,
        type: 'info',
        category: 'system',
        title: 'Test notification',
        message: `Sent from the admin console at ${new Date().toLocaleTimeString()}`,
      })
      .catch(fail('Sending'))
  }

  return {
    items,
    loading: () => list.state === 'pending' || list.state === 'unresolved',
    error: () => list.error as unknown,
    retry: () => void refetch(),
    unreadOnly,
    setUnreadOnly,
    unread: rt.unread,
    markRead,
    remove,
    readAll,
    sendMeOne,
  }
}

export type NotificationsData = ReturnType<typeof notificationsData>

/**
 * The unread badge: a count fetched once, then kept current by the
 * `notification:created|read|deleted` pushes. The ids seen unread are kept, so
 * a `read` or `deleted` for a notification already read does not drop the count twice.
 */
export interface UnreadState {
  count: number
  unreadIds: ReadonlySet<string>
}

export const EMPTY_UNREAD: UnreadState = { count: 0, unreadIds: new Set() }

/** A fresh count from the API; ids listed are the unread ones known. */
export function fromServer(count: number, unreadIds: readonly string[] = []): UnreadState {
  return { count: Math.max(0, count), unreadIds: new Set(unreadIds) }
}

export function created(s: UnreadState, n: { id: string; readAt?: string | null }): UnreadState {
  if (n.readAt || s.unreadIds.has(n.id)) return s
  const ids = new Set(s.unreadIds)
  ids.add(n.id)
  return { count: s.count + 1, unreadIds: ids }
}

/** `read` and `deleted` both take a notification out of the unread count, once. */
export function removed(s: UnreadState, notificationId: string): UnreadState {
  if (!s.unreadIds.has(notificationId)) return s
  const ids = new Set(s.unreadIds)
  ids.delete(notificationId)
  return { count: Math.max(0, s.count - 1), unreadIds: ids }
}

export function allRead(): UnreadState {
  return EMPTY_UNREAD
}

/** What the badge says: nothing at 0, `99+` past 99. */
export function badgeText(count: number): string {
  if (count <= 0) return ''
  return count > 99 ? '99+' : String(count)
}

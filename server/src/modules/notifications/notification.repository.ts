import { randomUUID } from 'node:crypto'
import type { Static } from 'typebox'
import type { NotificationDtoSchema } from '@switchboard/shared'
import { tableName, type Orm } from '../../storage/database.ts'
import { Notification, type NOTIFICATION_CATEGORIES, type NOTIFICATION_TYPES } from './notification.entity.ts'

export type NotificationDto = Static<typeof NotificationDtoSchema>

export interface NotificationDraft {
  tenant: string
  userId: string
  type: (typeof NOTIFICATION_TYPES)[number]
  category: (typeof NOTIFICATION_CATEGORIES)[number]
  title: string
  message: string
  data?: Record<string, unknown> | undefined
  actionUrl?: string | undefined
}

/** Whose notifications: always one user within one tenant. */
export interface Owner {
  tenant: string
  userId: string
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** Ids are UUIDs; anything else cannot exist (and must not reach a uuid column as a query error). */
export const isNotificationId = (id: string) => UUID.test(id)

export function toDto(n: Notification): NotificationDto {
  return {
    id: n.id,
    userId: n.userId,
    tenant: n.tenant,
    type: n.type,
    category: n.category,
    title: n.title,
    message: n.message,
    ...(n.data ? { data: n.data } : {}),
    actionUrl: n.actionUrl ?? null,
    readAt: n.readAt ? n.readAt.toISOString() : null,
    createdAt: n.createdAt.toISOString(),
  }
}

export class NotificationRepository {
  readonly #orm: Orm

  constructor(orm: Orm) {
    this.#orm = orm
  }

  /**
   * Stores a notification and trims the owner's oldest beyond `cap`, in one
   * transaction, so the cap holds however many are created at once.
   * Returns the new notification and the ids trimmed.
   */
  async create(draft: NotificationDraft, cap: number): Promise<{ created: NotificationDto; trimmed: string[] }> {
    return this.#orm.em.fork().transactional(async (em) => {
      const n = em.create(Notification, {
        id: randomUUID(),
        tenant: draft.tenant,
        userId: draft.userId,
        type: draft.type,
        category: draft.category,
        title: draft.title,
        message: draft.message,
        data: draft.data ?? null,
        actionUrl: draft.actionUrl ?? null,
        readAt: null,
        createdAt: new Date(),
      })
      await em.flush()
      const t = tableName(this.#orm, 'notification')
      const gone = (await em.getConnection().execute(
        `delete from ${t} where id in (
           select id from ${t} where tenant = ? and user_id = ? order by created_at desc, id desc offset ?
         ) returning id`,
        [draft.tenant, draft.userId, cap],
        'all',
        em.getTransactionContext(),
      )) as Array<{ id: string }>
      return { created: toDto(n), trimmed: gone.map((r) => r.id) }
    })
  }

  async list(owner: Owner, opts: { unreadOnly: boolean; limit: number }): Promise<NotificationDto[]> {
    const rows = await this.#orm.em
      .fork()
      .find(
        Notification,
        { tenant: owner.tenant, userId: owner.userId, ...(opts.unreadOnly ? { readAt: null } : {}) },
        { orderBy: { createdAt: 'desc', id: 'desc' }, limit: opts.limit },
      )
    return rows.map(toDto)
  }

  async unreadCount(owner: Owner): Promise<number> {
    return this.#orm.em.fork().count(Notification, { tenant: owner.tenant, userId: owner.userId, readAt: null })
  }

  /** Marks one read; null when it does not exist for this owner. Reading twice keeps the first time. */
  async markRead(owner: Owner, id: string, at: Date = new Date()): Promise<{ readAt: Date; changed: boolean } | null> {
    if (!isNotificationId(id)) return null
    const em = this.#orm.em.fork()
    const n = await em.findOne(Notification, { id, tenant: owner.tenant, userId: owner.userId })
    if (n === null) return null
    if (n.readAt) return { readAt: n.readAt, changed: false }
    n.readAt = at
    await em.flush()
    return { readAt: at, changed: true }
  }

  /** Marks every unread one read; returns their ids. */
  async markAllRead(owner: Owner, at: Date = new Date()): Promise<string[]> {
    const t = tableName(this.#orm, 'notification')
    const rows = (await this.#orm.em
      .fork()
      .getConnection()
      .execute(`update ${t} set read_at = ? where tenant = ? and user_id = ? and read_at is null returning id`, [
        at,
        owner.tenant,
        owner.userId,
      ])) as Array<{ id: string }>
    return rows.map((r) => r.id)
  }

  /** True when it existed for this owner. */
  async delete(owner: Owner, id: string): Promise<boolean> {
    if (!isNotificationId(id)) return false
    const n = await this.#orm.em.fork().nativeDelete(Notification, { id, tenant: owner.tenant, userId: owner.userId })
    return n > 0
  }
}

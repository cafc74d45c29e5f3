import type { FastifyBaseLogger } from 'fastify'
import type { Target } from '../../realtime/event.ts'
import type { NotificationDraft, NotificationDto, NotificationRepository, Owner } from './notification.repository.ts'

export type Publish = (input: { type: string; data: unknown; target: Target }) => Promise<unknown>

/**
 * Reference 004's in-app notifications: stored per user (capped), and every
 * change pushed to that user's own connections (`notification:created`,
 * `notification:read`, `notification:deleted`), so every open tab agrees.
 * The database is the truth: a push that fails is logged, the change stands,
 * and a client that missed it reloads with `notifications:get`.
 */
export class NotificationService {
  readonly #repo: NotificationRepository
  readonly #publish: Publish
  readonly #cap: number
  readonly #log: Pick<FastifyBaseLogger, 'warn'>

  constructor(opts: { repo: NotificationRepository; publish: Publish; cap: number; log: Pick<FastifyBaseLogger, 'warn'> }) {
    this.#repo = opts.repo
    this.#publish = opts.publish
    this.#cap = opts.cap
    this.#log = opts.log
  }

  async create(draft: NotificationDraft): Promise<NotificationDto> {
    const { created, trimmed } = await this.#repo.create(draft, this.#cap)
    const owner = { tenant: draft.tenant, userId: draft.userId }
    await this.#push(owner, 'notification:created', created)
    for (const id of trimmed) await this.#push(owner, 'notification:deleted', { notificationId: id })
    return created
  }

  async list(owner: Owner, opts: { unreadOnly: boolean; limit: number }): Promise<{ notifications: NotificationDto[]; unreadCount: number }> {
    const [notifications, unreadCount] = await Promise.all([this.#repo.list(owner, opts), this.#repo.unreadCount(owner)])
    return { notifications, unreadCount }
  }

  unreadCount(owner: Owner): Promise<number> {
    return this.#repo.unreadCount(owner)
  }

  /** null: no such notification for this user. */
  async markRead(owner: Owner, id: string): Promise<{ readAt: Date; changed: boolean } | null> {
    const result = await this.#repo.markRead(owner, id)
    if (result?.changed) await this.#push(owner, 'notification:read', { notificationId: id })
    return result
  }

  async markAllRead(owner: Owner): Promise<number> {
    const ids = await this.#repo.markAllRead(owner)
    for (const id of ids) await this.#push(owner, 'notification:read', { notificationId: id })
    return ids.length
  }

  async delete(owner: Owner, id: string): Promise<boolean> {
    const deleted = await this.#repo.delete(owner, id)
    if (deleted) await this.#push(owner, 'notification:deleted', { notificationId: id })
    return deleted
  }

  async #push(owner: Owner, type: string, data: unknown): Promise<void> {
    try {
      await this.#publish({ type, data, target: { kind: 'user', tenant: owner.tenant, user: owner.userId } })
    } catch (err) {
      this.#log.warn({ err, type, tenant: owner.tenant }, 'notification stored but its push failed')
    }
  }
}

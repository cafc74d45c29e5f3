import type { Connection } from '../realtime/connection.ts'
import type { ConnectionInfo, ConnectionObserver } from '../realtime/connection-observer.ts'
import type { RedisLog } from '../redis/clients.ts'
import type { PresenceStore } from './presence-store.ts'

interface Entry {
  tenant: string
  user: string
  /** counted: the store holds this connection; uncounted: admitted while the store could not answer. */
  state: 'pending' | 'counted' | 'uncounted'
  /** Counted by a rewrite while its own admission was in flight: counted whatever that answer. */
  rewritten: boolean
  closed: boolean
}

/**
 * The per-user connection cap across the cluster (MAX_CONNECTIONS_PER_USER):
 * `admit` is the realtime layer's `ctx.admission`, the `closed` observer
 * takes the count back. The count and the check are one atomic step in the
 * store, so two instances admitting the same user at once cannot both pass
 * the last slot. When the store cannot answer (Redis down) the connection is
 * admitted on the local cap alone, uncounted until the next rewrite of this
 * instance's share (`snapshot`) counts it: availability first, and the count
 * heals once Redis is back.
 */
export class ClusterAdmission implements ConnectionObserver {
  readonly #store: PresenceStore
  readonly #cap: number
  readonly #log: RedisLog
  readonly #entries = new Map<string, Entry>()
  readonly #uncertain: (() => void) | undefined
  #failOpen = 0

  /**
   * `uncertain` is told of every admission the store did not answer: one that
   * timed out may still have been counted there, and no release will take it
   * back (the connection is uncounted here), so the caller rewrites this
   * instance's share from `snapshot` once the store answers again.
   */
  constructor(store: PresenceStore, cap: number, log: RedisLog, uncertain?: () => void) {
    this.#store = store
    this.#cap = cap
    this.#log = log
    this.#uncertain = uncertain
  }

  readonly admit = (c: Connection): Promise<boolean> => {
    const p = c.principal!
    const entry: Entry = { tenant: p.tenant, user: p.user, state: 'pending', rewritten: false, closed: false }
    this.#entries.set(c.id, entry)
    return this.#store.admit(p.tenant, p.user, this.#cap).then(
      (ok) => {
        if (!ok && !entry.rewritten) {
          this.#entries.delete(c.id)
          return false
        }
        entry.state = 'counted'
        if (entry.closed) this.#release(c.id, entry)
        return true
      },
      (err: unknown) => {
        if (this.#failOpen++ % 100 === 0) this.#log.warn({ err: { message: (err as Error).message } }, 'cluster connection cap unavailable; admitting on the local cap')
        entry.state = entry.rewritten ? 'counted' : 'uncounted'
        if (entry.closed) this.#release(c.id, entry)
        this.#uncertain?.()
        return true
      },
    )
  }

  closed(c: ConnectionInfo): void {
    const entry = this.#entries.get(c.id)
    if (entry === undefined) return
    entry.closed = true
    if (entry.state !== 'pending') this.#release(c.id, entry)
  }

  /**
   * Every live connection per user, all of them counted from now on: what a
   * rewrite of this instance's share writes (after Redis lost it or came back).
   */
  snapshot(): Map<string, { tenant: string; user: string; connections: number }> {
    const out = new Map<string, { tenant: string; user: string; connections: number }>()
    for (const e of this.#entries.values()) {
      if (e.closed) continue
      e.rewritten = true
      if (e.state === 'uncounted') e.state = 'counted'
      const key = `${e.tenant}\0${e.user}`
      const cur = out.get(key)
      if (cur) cur.connections++
      else out.set(key, { tenant: e.tenant, user: e.user, connections: 1 })
    }
    return out
  }

  #release(id: string, entry: Entry): void {
    this.#entries.delete(id)
    if (entry.state === 'counted') this.#store.release(entry.tenant, entry.user).catch(() => undefined)
  }
}

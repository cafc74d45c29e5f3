import type { Connection } from '../realtime/connection.ts'
import type { ConnectionInfo, ConnectionObserver } from '../realtime/connection-observer.ts'
import type { RedisLog } from '../redis/clients.ts'
import type { PresenceStore } from './presence-store.ts'

interface Entry {
  tenant: string
  user: string
  state: 'pending' | 'counted'
  closed: boolean
}

/**
 * The per-user connection cap across the cluster (MAX_CONNECTIONS_PER_USER):
 * `admit` is the realtime layer's `ctx.admission`, the `closed` observer
 * takes the count back. The count and the check are one atomic step in the
 * store, so two instances admitting the same user at once cannot both pass
 * the last slot. When the store cannot answer (Redis down) the connection is
 * admitted on the local cap alone and not counted: availability first, and
 * nothing to take back later.
 */
export class ClusterAdmission implements ConnectionObserver {
  readonly #store: PresenceStore
  readonly #cap: number
  readonly #log: RedisLog
  readonly #entries = new Map<string, Entry>()
  #failOpen = 0

  constructor(store: PresenceStore, cap: number, log: RedisLog) {
    this.#store = store
    this.#cap = cap
    this.#log = log
  }

  readonly admit = (c: Connection): Promise<boolean> => {
    const p = c.principal!
    const entry: Entry = { tenant: p.tenant, user: p.user, state: 'pending', closed: false }
    this.#entries.set(c.id, entry)
    return this.#store.admit(p.tenant, p.user, this.#cap).then(
      (ok) => {
        if (!ok) {
          this.#entries.delete(c.id)
          return false
        }
        entry.state = 'counted'
        if (entry.closed) this.#release(c.id, entry)
        return true
      },
      (err: unknown) => {
        if (this.#failOpen++ % 100 === 0) this.#log.warn({ err: { message: (err as Error).message } }, 'cluster connection cap unavailable; admitting on the local cap')
        this.#entries.delete(c.id)
        return true
      },
    )
  }

  closed(c: ConnectionInfo): void {
    const entry = this.#entries.get(c.id)
    if (entry === undefined) return
    entry.closed = true
    if (entry.state === 'counted') this.#release(c.id, entry)
  }

  /** Counted connections per user, for a rewrite after Redis lost them. */
  snapshot(): Map<string, { tenant: string; user: string; connections: number }> {
    const out = new Map<string, { tenant: string; user: string; connections: number }>()
    for (const e of this.#entries.values()) {
      if (e.state !== 'counted' || e.closed) continue
      const key = `${e.tenant}\0${e.user}`
      const cur = out.get(key)
      if (cur) cur.connections++
      else out.set(key, { tenant: e.tenant, user: e.user, connections: 1 })
    }
    return out
  }

  #release(id: string, entry: Entry): void {
    this.#entries.delete(id)
    this.#store.release(entry.tenant, entry.user).catch(() => undefined)
  }
}

import type { ChannelPresence, PresenceStore } from './presence-store.ts'

/**
 * Presence of a single instance, in memory. Online counts come from the hub
 * when it is given (`connectionsOf`): alone, the hub's own per-user count is
 * the truth and `admit` is never needed.
 */
export class MemoryPresence implements PresenceStore {
  /** `tenant\0channel` -> user -> connections. */
  readonly #channels = new Map<string, Map<string, number>>()
  /** `tenant\0user` -> connections counted by `admit`. */
  readonly #users = new Map<string, number>()
  readonly #connectionsOf: ((tenant: string, user: string) => number) | undefined

  constructor(connectionsOf?: (tenant: string, user: string) => number) {
    this.#connectionsOf = connectionsOf
  }

  join(tenant: string, channel: string, user: string): Promise<boolean> {
    const key = `${tenant}\0${channel}`
    let users = this.#channels.get(key)
    if (users === undefined) this.#channels.set(key, (users = new Map()))
    const n = (users.get(user) ?? 0) + 1
    users.set(user, n)
    return Promise.resolve(n === 1)
  }

  leave(tenant: string, channel: string, user: string): Promise<boolean> {
    const key = `${tenant}\0${channel}`
    const users = this.#channels.get(key)
    const n = (users?.get(user) ?? 0) - 1
    if (users === undefined || n < 0) return Promise.resolve(false)
    if (n > 0) {
      users.set(user, n)
      return Promise.resolve(false)
    }
    users.delete(user)
    if (users.size === 0) this.#channels.delete(key)
    return Promise.resolve(true)
  }

  channel(tenant: string, channel: string): Promise<ChannelPresence> {
    const users = [...(this.#channels.get(`${tenant}\0${channel}`) ?? [])].map(([user, connections]) => ({ user, connections }))
    return Promise.resolve({ connections: users.reduce((n, u) => n + u.connections, 0), users })
  }

  online(tenant: string, users: readonly string[]): Promise<Record<string, number>> {
    const count = this.#connectionsOf ?? ((t: string, u: string) => this.#users.get(`${t}\0${u}`) ?? 0)
    return Promise.resolve(Object.fromEntries(users.map((u) => [u, count(tenant, u)])))
  }

  admit(tenant: string, user: string, cap: number): Promise<boolean> {
    const key = `${tenant}\0${user}`
    const n = this.#users.get(key) ?? 0
    if (cap > 0 && n >= cap) return Promise.resolve(false)
    this.#users.set(key, n + 1)
    return Promise.resolve(true)
  }

  release(tenant: string, user: string): Promise<void> {
    const key = `${tenant}\0${user}`
    const n = (this.#users.get(key) ?? 0) - 1
    if (n > 0) this.#users.set(key, n)
    else this.#users.delete(key)
    return Promise.resolve()
  }
}

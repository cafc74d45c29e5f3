import { randomUUID } from 'node:crypto'
import type { Bus } from '../bus/bus.ts'
import type { ConnectionInfo, ConnectionObserver } from '../realtime/connection-observer.ts'
import type { RedisLog } from '../redis/clients.ts'
import type { PresenceStore } from './presence-store.ts'

export interface PresenceTrackerOptions {
  store: PresenceStore
  bus: Bus
  instanceId: string
  /** True for channels with presence (PRESENCE_CHANNELS). */
  enabled(channel: string): boolean
  log: RedisLog & { debug(obj: object, msg: string): void }
}

/**
 * Keeps the presence store in step with the hub (it is a connection
 * observer: synchronous, it only issues store calls) and pushes
 * `presence:join` / `presence:leave` to the channel when a user's first
 * connection arrives or its last one leaves, cluster-wide.
 *
 * It remembers which channels it counted for each connection: a subscribe
 * that only changes filters is reported again by the hub and must not count
 * twice, and a close must take back exactly what was counted.
 */
export class PresenceTracker implements ConnectionObserver {
  readonly #opts: PresenceTrackerOptions
  readonly #counted = new Map<string, { tenant: string; user: string; channels: Set<string> }>()

  /** Presence pushes the bus refused (logged at the first and every hundredth). */
  #unpushed = 0

  constructor(opts: PresenceTrackerOptions) {
    this.#opts = opts
  }

  subscribed(c: ConnectionInfo, channels: readonly string[]): void {
    if (c.tenant === undefined || c.user === undefined) return
    let entry = this.#counted.get(c.id)
    for (const channel of channels) {
      if (!this.#opts.enabled(channel) || entry?.channels.has(channel)) continue
      if (entry === undefined) this.#counted.set(c.id, (entry = { tenant: c.tenant, user: c.user, channels: new Set() }))
      entry.channels.add(channel)
      this.#change('join', entry.tenant, channel, entry.user)
    }
  }

  unsubscribed(c: ConnectionInfo, channels: readonly string[]): void {
    const entry = this.#counted.get(c.id)
    if (entry === undefined) return
    for (const channel of channels) {
      if (!entry.channels.delete(channel)) continue
      this.#change('leave', entry.tenant, channel, entry.user)
    }
    if (entry.channels.size === 0) this.#counted.delete(c.id)
  }

  closed(c: ConnectionInfo): void {
    const entry = this.#counted.get(c.id)
    if (entry === undefined) return
    this.#counted.delete(c.id)
    for (const channel of entry.channels) this.#change('leave', entry.tenant, channel, entry.user)
  }

  /** What this instance counts now: for a rewrite after Redis lost it. */
  snapshot(): Array<{ tenant: string; channel: string; user: string }> {
    const out: Array<{ tenant: string; channel: string; user: string }> = []
    for (const e of this.#counted.values()) for (const channel of e.channels) out.push({ tenant: e.tenant, channel, user: e.user })
    return out
  }

  /** Pushes a presence change to the channel's subscribers on every instance. */
  announce(kind: 'join' | 'leave', tenant: string, channel: string, user: string): void {
    const now = performance.timeOrigin + performance.now()
    this.#opts.bus
      .publish({
        kind: 'event',
        origin: this.#opts.instanceId,
        event: {
          id: randomUUID(),
          type: `presence:${kind}`,
          ts: new Date(now).toISOString(),
          target: { kind: 'channel', tenant, channel },
          data: { user },
          publishedAt: now,
        },
      })
      .catch((err: unknown) => {
        // a lost push leaves subscribers' presence lists wrong until the next change: warned at the
        // first and every hundredth, so an outage shows in the log without a line per push
        if (this.#unpushed++ % 100 === 0) {
          this.#opts.log.warn({ err: { message: (err as Error).message }, tenant, channel, unpushed: this.#unpushed }, `presence:${kind} not pushed`)
        }
      })
  }

  #change(kind: 'join' | 'leave', tenant: string, channel: string, user: string): void {
    const store = this.#opts.store
    const op = kind === 'join' ? store.join(tenant, channel, user) : store.leave(tenant, channel, user)
    op.then(
      (edge) => {
        if (edge) this.announce(kind, tenant, channel, user)
      },
      (err: unknown) => this.#opts.log.warn({ err: { message: (err as Error).message }, tenant, channel }, `presence ${kind} not recorded`),
    )
  }
}

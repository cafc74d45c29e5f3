import type { Connection } from './connection.ts'

/** Per-channel subscription state on one connection (the hub's channel rooms hold these). */
export interface Subscription {
  readonly channel: string
  readonly connection: Connection
  /** data field -> accepted values (reference 004's filters); undefined = everything. */
  filters: Map<string, ReadonlySet<unknown>> | undefined
  /**
   * While a recovery replay runs, live events for the channel wait here and are
   * flushed after the replay (offsets already replayed are dropped): no gap, no duplicate.
   */
  pending: Array<{ offset: number | undefined; frame: Buffer }> | undefined
  /**
   * History channels: position of the last event sent on this subscription.
   * An event at or before it (same epoch) is not sent again, whatever path
   * brought it twice (a replay, a gap filled on the bus).
   */
  last?: { offset: number; epoch: string } | undefined
}

/** Past this many channels a connection's subscriptions get a Map index. */
const LINEAR_MAX = 8

/**
 * A connection's subscriptions, keyed by channel. Most connections hold a few
 * channels, so they live in a small array scanned linearly (tens of bytes,
 * where an empty Map's hash table alone is ~300); a Map index is built only
 * past LINEAR_MAX channels. Lookups sit on the fan-out path, once per recipient.
 */
export class Subscriptions {
  readonly #list: Subscription[] = []
  #index: Map<string, Subscription> | undefined

  get size(): number {
    return this.#list.length
  }

  get(channel: string): Subscription | undefined {
    if (this.#index !== undefined) return this.#index.get(channel)
    const list = this.#list
    for (let i = 0; i < list.length; i++) if (list[i]!.channel === channel) return list[i]
    return undefined
  }

  has(channel: string): boolean {
    return this.get(channel) !== undefined
  }

  /**
   * Adds the subscription of `sub.channel` (or replaces it). The hub's channel room
   * holds the object itself: change an existing subscription in place (its
   * filters), or replace it only while it is out of its room (Hub.unsubscribe).
   */
  set(sub: Subscription): void {
    const list = this.#list
    const at = list.findIndex((s) => s.channel === sub.channel)
    if (at >= 0) list[at] = sub
    else list.push(sub)
    if (this.#index !== undefined) this.#index.set(sub.channel, sub)
    else if (list.length > LINEAR_MAX) this.#index = new Map(list.map((s) => [s.channel, s]))
  }

  delete(channel: string): boolean {
    const list = this.#list
    const at = list.findIndex((s) => s.channel === channel)
    if (at < 0) return false
    list.splice(at, 1)
    if (this.#index !== undefined) {
      this.#index.delete(channel)
      if (list.length <= LINEAR_MAX) this.#index = undefined
    }
    return true
  }

  /** The subscriptions, in subscription order (a copy: safe to change the set while walking it). */
  all(): Subscription[] {
    return [...this.#list]
  }

  /** The channels, in subscription order (a copy: safe to change the set while walking it). */
  channels(): string[] {
    return this.#list.map((s) => s.channel)
  }
}

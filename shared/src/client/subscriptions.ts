import type Type from 'typebox'
import type { StreamPosition } from '../common.ts'
import type { FiltersSchema } from '../frames/client-frames.ts'
import type { PushFrame, Recovery, SubscribedFrame } from '../frames/server-frames.ts'

export type Filters = Type.Static<typeof FiltersSchema>

/** One subscribe frame's worth of channels: channels sharing the same filters. */
export interface SubscribeGroup {
  channels: string[]
  filters?: Filters
}

/** Filters as a canonical string, so equal filters group together whatever their key order. */
function filtersKey(filters: Filters | undefined): string {
  if (!filters) return ''
  return JSON.stringify(Object.keys(filters).sort().map((k) => [k, filters[k]]))
}

/**
 * What the client wants to be subscribed to, and how far it has read each
 * channel's history. Survives reconnects: after one, every wanted channel is
 * subscribed again with `since` = the last position seen, so the server can
 * replay what was missed or say it cannot (`recovered: false`).
 */
export class Subscriptions {
  readonly #wanted = new Map<string, Filters | undefined>()
  readonly #positions = new Map<string, StreamPosition>()
  readonly #recovery = new Map<string, Recovery>()

  want(channels: readonly string[], filters?: Filters): void {
    for (const channel of channels) this.#wanted.set(channel, filters)
  }

  /** Forgets channels entirely: a later subscribe starts without `since`. */
  drop(channels: readonly string[]): void {
    for (const channel of channels) {
      this.#wanted.delete(channel)
      this.#positions.delete(channel)
      this.#recovery.delete(channel)
    }
  }

  has(channel: string): boolean {
    return this.#wanted.has(channel)
  }

  channels(): string[] {
    return [...this.#wanted.keys()]
  }

  position(channel: string): StreamPosition | undefined {
    return this.#positions.get(channel)
  }

  recovery(channel: string): Recovery | undefined {
    return this.#recovery.get(channel)
  }

  /** `since` for these channels, or undefined when no position is known for any of them. */
  since(channels: readonly string[]): Record<string, StreamPosition> | undefined {
    const since: Record<string, StreamPosition> = {}
    let any = false
    for (const channel of channels) {
      const position = this.#positions.get(channel)
      if (position) {
        since[channel] = { offset: position.offset, epoch: position.epoch }
        any = true
      }
    }
    return any ? since : undefined
  }

  /** Wanted channels grouped by identical filters, in first-subscribed order. */
  groups(): SubscribeGroup[] {
    const groups = new Map<string, SubscribeGroup>()
    for (const [channel, filters] of this.#wanted) {
      const key = filtersKey(filters)
      let group = groups.get(key)
      if (!group) groups.set(key, (group = filters ? { channels: [], filters } : { channels: [] }))
      group.channels.push(channel)
    }
    return [...groups.values()]
  }

  /**
   * Moves a channel's position forward. A different epoch replaces the position
   * (the server lost history and started a new epoch); within an epoch offsets
   * only grow, so a replayed or duplicated push never moves it back.
   */
  advance(channel: string, position: StreamPosition): void {
    if (!this.#wanted.has(channel)) return
    const current = this.#positions.get(channel)
    if (!current || current.epoch !== position.epoch || position.offset > current.offset) {
      this.#positions.set(channel, { offset: position.offset, epoch: position.epoch })
    }
  }

  /**
   * Records a push's position; false when it is a duplicate (an offset not past
   * the last one seen in the same epoch, as a replay overlapping live delivery gives).
   */
  notePush(push: PushFrame): boolean {
    if (push.channel === undefined || push.offset === undefined || push.epoch === undefined) return true
    const current = this.#positions.get(push.channel)
    if (current && current.epoch === push.epoch && push.offset <= current.offset) return false
    this.advance(push.channel, { offset: push.offset, epoch: push.epoch })
    return true
  }

  /** Applies a subscribe reply: denied channels are no longer wanted; returns the recovery entries. */
  applyReply(reply: SubscribedFrame): Recovery[] {
    this.drop(reply.denied.map((d) => d.channel))
    const recovery = reply.recovery ?? []
    for (const entry of recovery) {
      if (!this.#wanted.has(entry.channel)) continue
      this.#recovery.set(entry.channel, entry)
      // After `recovered: true` the replayed pushes move the position themselves (they may arrive after
      // this reply, and must not be taken for duplicates); after `recovered: false` nothing is replayed
      // and the reply's position (maybe a new epoch) is where the stream continues.
      if (!this.#positions.has(entry.channel) || !entry.recovered) this.advance(entry.channel, entry.position)
    }
    return recovery
  }
}

/** The part of several subscribe replies that concerns `channels`, as one reply. */
export function composeReply(channels: readonly string[], replies: readonly SubscribedFrame[]): SubscribedFrame {
  const mine = new Set(channels)
  const composed: SubscribedFrame = {
    type: 'subscribed',
    channels: replies.flatMap((r) => r.channels.filter((c) => mine.has(c))),
    denied: replies.flatMap((r) => r.denied.filter((d) => mine.has(d.channel))),
  }
  const recovery = replies.flatMap((r) => (r.recovery ?? []).filter((e) => mine.has(e.channel)))
  if (recovery.length > 0) composed.recovery = recovery
  return composed
}

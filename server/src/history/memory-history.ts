import { randomUUID } from 'node:crypto'
import type { StreamPosition } from '@switchboard/shared'
import type { HubEvent } from '../realtime/event.ts'
import type { HistoryPolicy, HistoryStore, RecoverResult } from './history.ts'

interface Stream {
  epoch: string
  /** Offset of the last appended event (0 = none yet). */
  top: number
  events: HubEvent[]
}

/** Streams kept at most: a HISTORY_CHANNELS pattern (`tasks:*`) lets clients name new channels without end. */
export const MAX_MEMORY_STREAMS = 10_000

/**
 * History in process memory: one bounded ring per channel, trimmed by size and
 * age. The epoch is fresh per process, so after a restart every old position
 * is answered with `recovered:false` instead of a wrong replay. At most
 * `maxStreams` channels are kept: the one used least recently goes first, and
 * comes back with a new epoch, so a position in it is answered the same way.
 */
export class MemoryHistory implements HistoryStore {
  /** In order of last use (a used stream moves to the end). */
  readonly #streams = new Map<string, Stream>()
  readonly #policyFor: (streamKey: string) => HistoryPolicy
  readonly #now: () => number
  readonly #maxStreams: number
  /** Told of each stream dropped for room (the caller counts and logs it). */
  readonly #evicted: ((key: string) => void) | undefined

  constructor(
    policyFor: (streamKey: string) => HistoryPolicy,
    now: () => number = Date.now,
    limits: { maxStreams?: number; evicted?: (key: string) => void } = {},
  ) {
    this.#policyFor = policyFor
    this.#now = now
    this.#maxStreams = limits.maxStreams ?? MAX_MEMORY_STREAMS
    this.#evicted = limits.evicted
  }

  #stream(key: string): Stream {
    const streams = this.#streams
    let s = streams.get(key)
    if (s !== undefined) {
      streams.delete(key)
      streams.set(key, s)
      return s
    }
    if (streams.size >= this.#maxStreams) {
      const oldest = streams.keys().next().value as string
      streams.delete(oldest)
      this.#evicted?.(oldest)
    }
    streams.set(key, (s = { epoch: randomUUID().slice(0, 8), top: 0, events: [] }))
    return s
  }

  get size(): number {
    return this.#streams.size
  }

  #trim(key: string, s: Stream): void {
    const policy = this.#policyFor(key)
    const cutoff = this.#now() - policy.ttlMs
    let drop = Math.max(0, s.events.length - policy.size)
    while (drop < s.events.length && Date.parse(s.events[drop]!.ts) < cutoff) drop++
    if (drop > 0) s.events.splice(0, drop)
  }

  append(key: string, event: HubEvent): Promise<HubEvent> {
    const s = this.#stream(key)
    const stamped: HubEvent = { ...event, offset: ++s.top, epoch: s.epoch }
    s.events.push(stamped)
    this.#trim(key, s)
    return Promise.resolve(stamped)
  }

  recover(key: string, since: StreamPosition): Promise<RecoverResult> {
    const s = this.#stream(key)
    this.#trim(key, s)
    const position = { offset: s.top, epoch: s.epoch }
    if (since.epoch !== s.epoch || since.offset > s.top) return Promise.resolve({ recovered: false, position })
    if (since.offset === s.top) return Promise.resolve({ recovered: true, events: [], position })
    const first = s.events[0]?.offset ?? s.top + 1
    // the next wanted offset must still be kept, or the gap cannot be filled
    if (since.offset + 1 < first) return Promise.resolve({ recovered: false, position })
    return Promise.resolve({ recovered: true, events: s.events.slice(since.offset + 1 - first), position })
  }

  position(key: string): Promise<StreamPosition> {
    const s = this.#stream(key)
    return Promise.resolve({ offset: s.top, epoch: s.epoch })
  }

  close(): Promise<void> {
    this.#streams.clear()
    return Promise.resolve()
  }
}

import type { StreamPosition } from '@switchboard/shared'
import type { HubEvent } from '../realtime/event.ts'
import type { RedisLog } from '../redis/clients.ts'

interface StreamState {
  topic: string
  epoch: string
  /** Last offset delivered on this instance. */
  offset: number
  /** Set while a fill runs: live events of the stream wait here, in arrival order. */
  held: HubEvent[] | undefined
}

export interface StreamGapsOptions {
  /** Events after a position, in order, or null when the store cannot give them all. */
  fetchAfter(streamKey: string, since: StreamPosition): Promise<HubEvent[] | null>
  deliver(event: HubEvent): void
  log?: RedisLog | undefined
  /** Streams remembered at most (least recently used forgotten first). */
  maxStreams?: number
  /** Attempts to read a gap when the store fails (not when it says the gap is gone). Default 10. */
  retries?: number
  /** Wait before the nth retry: n times this. Default 100 ms. */
  retryMs?: number
}

/**
 * Keeps history channels whole on this instance when pub/sub is not. Redis
 * pub/sub is at-most-once: a subscriber connection that drops (Redis
 * restarted, network cut, output buffer limit) misses what was published
 * meanwhile, while the events themselves are safe in the stream. For every
 * stream it delivers, the instance remembers the last offset; an event that
 * skips ahead, or a resubscribe after a lost connection, makes it read the
 * missing offsets from the stream and deliver them first, in order. Live
 * events of that stream wait meanwhile; offsets already delivered are dropped.
 * When the store cannot fill the gap (trimmed, new epoch), the events are
 * delivered as they are and the gap is logged: clients then learn it on
 * their next recovery (`recovered:false`).
 */
export class StreamGaps {
  readonly #streams = new Map<string, StreamState>()
  readonly #opts: StreamGapsOptions
  readonly #max: number
  readonly #retries: number
  readonly #retryMs: number
  #fills = 0
  #unfilled = 0

  constructor(opts: StreamGapsOptions) {
    this.#opts = opts
    this.#max = opts.maxStreams ?? 10_000
    this.#retries = opts.retries ?? 10
    this.#retryMs = opts.retryMs ?? 100
  }

  /** Gaps filled from the stream, and gaps that could not be. */
  get stats(): { filled: number; unfilled: number } {
    return { filled: this.#fills, unfilled: this.#unfilled }
  }

  accept(streamKey: string, topic: string, event: HubEvent): void {
    const offset = event.offset!
    const s = this.#streams.get(streamKey)
    if (s === undefined || s.epoch !== event.epoch) {
      this.#remember(streamKey, { topic, epoch: event.epoch!, offset, held: undefined })
      this.#opts.deliver(event)
      return
    }
    // least recently used last
    this.#streams.delete(streamKey)
    this.#streams.set(streamKey, s)
    if (s.held !== undefined) {
      s.held.push(event)
      return
    }
    if (offset <= s.offset) return // already delivered by a fill
    if (offset === s.offset + 1) {
      s.offset = offset
      this.#opts.deliver(event)
      return
    }
    s.held = [event]
    void this.#fill(streamKey, s)
  }

  /** After the subscriber connection came back: catch every known stream up. */
  resync(): void {
    for (const [key, s] of this.#streams) {
      if (s.held !== undefined) continue
      s.held = []
      void this.#fill(key, s)
    }
  }

  /** The topic is no longer received: its streams' positions would be stale the next time. */
  forgetTopic(topic: string): void {
    for (const [key, s] of this.#streams) if (s.topic === topic) this.#streams.delete(key)
  }

  #remember(key: string, s: StreamState): void {
    this.#streams.delete(key)
    this.#streams.set(key, s)
    if (this.#streams.size > this.#max) this.#streams.delete(this.#streams.keys().next().value!)
  }

  async #fill(key: string, s: StreamState): Promise<void> {
    let fetched: HubEvent[] | null = null
    let failed = false
    // the command connection may come back a moment after the subscriber: retry a few times
    for (let attempt = 1; ; attempt++) {
      try {
        fetched = await this.#opts.fetchAfter(key, { offset: s.offset, epoch: s.epoch })
        break
      } catch {
        if (attempt >= this.#retries || this.#streams.get(key) !== s) {
          failed = true
          break
        }
        await new Promise((r) => setTimeout(r, this.#retryMs * attempt))
      }
    }
    if (this.#streams.get(key) !== s) return // forgotten meanwhile
    const held = s.held ?? []
    s.held = undefined
    if (failed) {
      // the store never answered: whatever was published meanwhile (known gap or not) is missing here
      this.#unfilled++
      this.#opts.log?.warn({ stream: key.replace('\0', '/'), after: s.offset, next: held[0]?.offset ?? null }, 'history catch-up failed: events published meanwhile may be missing on this instance')
    } else if (fetched === null) {
      if (held.length > 0) {
        this.#unfilled++
        this.#opts.log?.warn({ stream: key.replace('\0', '/'), after: s.offset, next: held[0]!.offset }, 'history gap could not be filled from the stream')
      }
    } else {
      if (fetched.length > 0) this.#fills++
      for (const e of fetched) this.#deliverNext(s, e)
    }
    for (const e of held) {
      if (e.epoch !== s.epoch) {
        s.epoch = e.epoch!
        s.offset = e.offset! - 1
      }
      this.#deliverNext(s, e)
    }
  }

  #deliverNext(s: StreamState, e: HubEvent): void {
    if (e.offset! <= s.offset) return
    s.offset = e.offset!
    this.#opts.deliver(e)
  }
}

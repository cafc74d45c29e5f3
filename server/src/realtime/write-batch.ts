/**
 * Broadcast pushes are not written to a socket the moment they are delivered:
 * a connection collects the frames of one event-loop turn and writes them at
 * the end of it, all in one syscall (what uWebSockets calls corking). Under
 * load the server handles several publishes per turn (every request that
 * arrived while it was busy), and each recipient then costs one write for all
 * of them instead of one per event; on loopback and on real networks alike the
 * syscall, not the JavaScript, is most of a delivery's cost.
 *
 * The flush runs from `setImmediate`, i.e. after every I/O callback of the
 * current poll phase, so publishes that arrived together share it. It costs a
 * few µs per turn, which a broadcast (hub.ts QUEUE_FROM recipients and up), a
 * recovery replay or the heartbeat sweep repays many times over; a push to one
 * or a few sockets is written at once (connection.ts `sendFrame`).
 */
export interface Flushable {
  flushPending(): void
}

export class WriteBatch {
  readonly #dirty: Flushable[] = []
  #scheduled = false
  readonly #flush = () => this.flush()
  #written: Promise<void> | undefined
  #resolveWritten: (() => void) | undefined

  /** Called once per connection per turn, by its first frame of the turn. */
  add(connection: Flushable): void {
    this.#dirty.push(connection)
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#flush)
    }
  }

  /**
   * Settles once the frames collected so far are written; undefined when none
   * wait. The HTTP publish answers after it: the publisher hears back once its
   * event reached the sockets (as when every write was immediate), and on
   * loopback the response then costs no more than before (a write that wakes
   * a sleeping reader is the expensive kind; the frames go first and the
   * answer follows, the order the raw servers use too).
   */
  written(): Promise<void> | undefined {
    if (!this.#scheduled) return undefined
    return (this.#written ??= new Promise<void>((resolve) => (this.#resolveWritten = resolve)))
  }

  /** Writes every collected frame now. */
  flush(): void {
    this.#scheduled = false
    const dirty = this.#dirty
    // a connection added during the flush (a reply to a frame read meanwhile) is flushed too
    for (let i = 0; i < dirty.length; i++) dirty[i]!.flushPending()
    dirty.length = 0
    const resolve = this.#resolveWritten
    this.#written = this.#resolveWritten = undefined
    resolve?.()
  }
}

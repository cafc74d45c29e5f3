/**
 * Under load, pushes are not written to a socket the moment they are
 * delivered: a connection collects the frames of one event-loop turn and
 * writes them at the end of it, all in one syscall (what uWebSockets calls
 * corking). A busy server handles several publishes per turn (every request
 * that arrived while it was busy), and each recipient then costs two writes
 * per turn instead of one per event; on loopback and on real networks alike
 * the syscall, not the JavaScript, is most of a delivery's cost.
 *
 * Pushes to different sockets gain too (rooms of ten, personal channels: a
 * socket gets one event per turn). Writes made in one burst at the end of the
 * turn find the reading side already awake; the same writes spread between
 * the turn's HTTP requests each wake a reader that went back to sleep, and on
 * loopback the writer pays for that wake-up (S5 in BENCHMARKS.md: 0.90×
 * ws-tuned's CPU per message with every later push queued, 1.14× with pushes
 * to fewer than 16 sockets written at once).
 *
 * The first push of a turn is written at once (`queuePush`), so at low rates,
 * where each event has its turn to itself, nothing waits. Unless the server is
 * busy: when a turn's first push comes less than `BUSY_GAP_MS` after the last
 * flush ended, the loop went from one turn's writes straight into the next
 * turn's requests without waiting for I/O, i.e. publishes are arriving faster
 * than they are written. Then the first push queues too, and every event read
 * in the turn shares one write per socket; written at once, the first would
 * cost each recipient a second write, which at 10k subscribers is most of a
 * turn (S2 at 10k × 10/s in BENCHMARKS.md). Queued, it waits only for the
 * rest of the poll phase's callbacks. The flush runs from `setImmediate`,
 * i.e. after every I/O callback of the current poll phase, so publishes that
 * arrived together share it. A recovery replay and the heartbeat sweep queue
 * too (connection.ts `sendFrame`).
 */
export interface Flushable {
  flushPending(): void
}

/** A turn whose first push comes sooner than this after the last flush ended finds the server busy. */
export const BUSY_GAP_MS = 1

export class WriteBatch {
  readonly #now: () => number
  readonly #dirty: Flushable[] = []
  #scheduled = false
  readonly #flush = () => this.flush()
  #written: Promise<void> | undefined
  #resolveWritten: (() => void) | undefined
  #pushedThisTurn = false
  #lastFlushEnd = Number.NEGATIVE_INFINITY

  /** `now`: a monotonic clock in ms (tests pass their own). */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now
  }

  /** Called once per connection per turn, by its first frame of the turn. */
  add(connection: Flushable): void {
    this.#dirty.push(connection)
    this.#schedule()
  }

  /**
   * Whether an event's push should queue its frames. The first of a turn does
   * not, unless the server is busy: at low rates every event is alone in its
   * turn and its frames leave at once, exactly as without batching. Every
   * later one does, and its frames leave with the rest of the turn's, one
   * write per socket.
   */
  queuePush(): boolean {
    if (this.#pushedThisTurn) return true
    this.#pushedThisTurn = true
    this.#schedule()
    return this.#now() - this.#lastFlushEnd < BUSY_GAP_MS
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(this.#flush)
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
    this.#pushedThisTurn = false
    const dirty = this.#dirty
    // a connection added during the flush (a reply to a frame read meanwhile) is flushed too
    for (let i = 0; i < dirty.length; i++) dirty[i]!.flushPending()
    dirty.length = 0
    this.#lastFlushEnd = this.#now()
    const resolve = this.#resolveWritten
    this.#written = this.#resolveWritten = undefined
    resolve?.()
  }
}

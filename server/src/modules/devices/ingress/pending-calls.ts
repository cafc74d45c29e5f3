/**
 * Requests waiting for their answer, matched by id (JSON-RPC `id` on a
 * device socket, `trid` on the Shelly Cloud socket). Each has its own
 * deadline; every way out (answer, timeout, socket gone) settles it exactly
 * once, as data: callers never see a thrown error.
 */
export type CallOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; code: 'DEVICE_TIMEOUT' | 'DEVICE_OFFLINE' | 'DEVICE_ERROR'; message: string; deviceCode?: number }

interface Waiting<T> {
  resolve(outcome: CallOutcome<T>): void
  timer: NodeJS.Timeout
}

export class PendingCalls<T = unknown> {
  readonly #waiting = new Map<number, Waiting<T>>()
  /** Ids wrap well below 2^31: Shelly's firmware keeps them as 32-bit integers. */
  #next = 0

  get size(): number {
    return this.#waiting.size
  }

  /** Reserves an id and a deadline; `settle`, `expire` or `failAll` ends it. */
  open(timeoutMs: number): { id: number; outcome: Promise<CallOutcome<T>> } {
    this.#next = this.#next >= 0x7fff_fff0 ? 1 : this.#next + 1
    const id = this.#next
    const outcome = new Promise<CallOutcome<T>>((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id)
        resolve({ ok: false, code: 'DEVICE_TIMEOUT', message: `no answer within ${timeoutMs} ms` })
      }, timeoutMs)
      timer.unref()
      this.#waiting.set(id, { resolve, timer })
    })
    return { id, outcome }
  }

  /** Ends a call with its answer; false when the id is unknown (late, or never ours). */
  settle(id: number, outcome: CallOutcome<T>): boolean {
    const w = this.#waiting.get(id)
    if (w === undefined) return false
    this.#waiting.delete(id)
    clearTimeout(w.timer)
    w.resolve(outcome)
    return true
  }

  /** The connection is gone: every waiting call fails now rather than at its deadline. */
  failAll(message: string): void {
    for (const [id, w] of this.#waiting) {
      this.#waiting.delete(id)
      clearTimeout(w.timer)
      w.resolve({ ok: false, code: 'DEVICE_OFFLINE', message })
    }
  }
}

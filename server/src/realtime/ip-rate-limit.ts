/**
 * Connection attempts per IP in a fixed one-minute window. Entries of past
 * windows are pruned as the map grows, so memory stays bounded by the number
 * of addresses seen in the last minute.
 */
export class IpRateLimiter {
  readonly #limit: number
  readonly #windows = new Map<string, { start: number; count: number }>()
  readonly #windowMs: number

  constructor(limitPerMinute: number, windowMs = 60_000) {
    this.#limit = limitPerMinute
    this.#windowMs = windowMs
  }

  /** Counts one attempt; false when the address is over its limit. */
  take(ip: string, now = Date.now()): boolean {
    let w = this.#windows.get(ip)
    if (w === undefined || now - w.start >= this.#windowMs) {
      if (this.#windows.size >= 10_000) this.#prune(now)
      w = { start: now, count: 0 }
      this.#windows.set(ip, w)
    }
    return ++w.count <= this.#limit
  }

  #prune(now: number): void {
    for (const [ip, w] of this.#windows) if (now - w.start >= this.#windowMs) this.#windows.delete(ip)
  }
}

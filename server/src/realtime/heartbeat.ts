import { CLOSE_CODES } from '@switchboard/shared'
import type { Connection } from './connection.ts'
import type { ConnectionTimers, Hub } from './hub.ts'
import { textFrame } from './frame-writer.ts'

export interface HeartbeatOptions {
  intervalMs: number
  authTimeoutMs: number
  onTimeout(kind: 'heartbeat' | 'auth' | 'token'): void
}

/**
 * One timer for every connection (not one per socket). Each tick runs the
 * heartbeat for one slice of the connections: a connection that has not shown
 * life since its previous ping (a pong, a WebSocket pong or any frame) is
 * closed with 4102, the others get an application ping and a WebSocket ping
 * (one write). Each connection is pinged once every `intervalMs`, in the tick
 * of its slot (`Connection.heartbeatSlot`), so the pings, and the pongs they
 * bring back, are spread over the interval: pinging every connection in one
 * tick costs two writes per connection in one event-loop turn, about 0.2 s at
 * 10k connections, during which no event is delivered.
 *
 * A tick costs its slice, not a walk over every connection (~10 ms a tick at
 * 20k connections, nearly all cache misses, a pause that grew with the
 * connection count). The slices are intrusive lists (two fields on each
 * `Connection`: a `Set` entry costs about twice that, per connection). What
 * can fall due between two visits of a connection's slice is few connections
 * at a time, and those are watched every tick: the unauthenticated (auth
 * deadline), the closing (a peer that does not finish the close handshake is
 * cut), and those whose token expires before their next visit. The hub tells
 * the heartbeat whenever a connection may have joined them (`ConnectionTimers`).
 */
export class Heartbeat implements ConnectionTimers {
  readonly #hub: Hub
  readonly #opts: HeartbeatOptions
  readonly #pingFrame: () => Buffer
  #timer: NodeJS.Timeout | undefined
  readonly #tickMs: number
  /** Ticks per heartbeat interval, i.e. slices of the connections. */
  readonly #slices: number
  /** A token expiring within this of a visit is watched until then (a whole round of slices, and a tick of slack for a late timer). */
  readonly #horizonMs: number
  readonly #graceMs: number
  /** First connection of each slice's list (linked through `Connection.slotNext`/`slotPrev`). */
  readonly #heads: Array<Connection | undefined>
  /** Connections checked every tick: unauthenticated, closing, or with a token expiring before their next visit. */
  readonly #watched = new Set<Connection>()
  #tick = 0

  constructor(hub: Hub, opts: HeartbeatOptions) {
    this.#hub = hub
    this.#opts = opts
    this.#pingFrame = () => textFrame(`{"type":"ping","ts":${Date.now()}}`)
    this.#tickMs = Math.max(25, Math.min(1000, Math.floor(Math.min(opts.intervalMs, opts.authTimeoutMs) / 4)))
    this.#graceMs = this.#tickMs + 1000
    this.#slices = Math.max(1, Math.ceil(opts.intervalMs / this.#tickMs))
    this.#horizonMs = (this.#slices + 2) * this.#tickMs
    this.#heads = new Array<Connection | undefined>(this.#slices).fill(undefined)
    hub.setTimers(this)
  }

  get active(): boolean {
    return this.#timer !== undefined
  }

  /** Connections watched every tick (for tests and diagnostics). */
  get watched(): number {
    return this.#watched.size
  }

  start(): void {
    this.#tick = 0
    this.#timer = setInterval(() => this.tick(Date.now()), this.#tickMs)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  added(c: Connection): void {
    const slice = c.heartbeatSlot % this.#slices
    const head = this.#heads[slice]
    c.slotPrev = undefined
    c.slotNext = head
    if (head !== undefined) head.slotPrev = c
    this.#heads[slice] = c
    this.#watched.add(c)
  }

  removed(c: Connection): void {
    const prev = c.slotPrev
    const next = c.slotNext
    if (prev !== undefined) prev.slotNext = next
    else if (this.#heads[c.heartbeatSlot % this.#slices] === c) this.#heads[c.heartbeatSlot % this.#slices] = next
    if (next !== undefined) next.slotPrev = prev
    c.slotPrev = c.slotNext = undefined
    this.#watched.delete(c)
  }

  changed(c: Connection): void {
    this.#watched.add(c)
  }

  tick(now: number): void {
    // the watched first: an expired token is closed for that, not for a missed pong
    for (const c of this.#watched) {
      if (c.closing) {
        // the close handshake gets one tick plus a second; a peer that does not answer is cut
        if (now - c.closingState!.since > this.#graceMs) c.terminate()
        continue
      }
      const p = c.principal
      if (p === null) {
        if (now - c.connectedAt >= this.#opts.authTimeoutMs) {
          this.#opts.onTimeout('auth')
          c.close(CLOSE_CODES.AUTH_TIMEOUT, 'authentication timeout')
        }
        continue
      }
      if (p.expiresAt !== null && now >= p.expiresAt) {
        this.#opts.onTimeout('token')
        c.close(CLOSE_CODES.TOKEN_EXPIRED, 'token expired')
        continue
      }
      // deleting the entry being visited is safe in a Set's iteration
      if (p.expiresAt === null || p.expiresAt - now > this.#horizonMs) this.#watched.delete(c)
    }

    let ping: Buffer | undefined
    let next: Connection | undefined
    for (let c = this.#heads[this.#tick++ % this.#slices]; c !== undefined; c = next) {
      next = c.slotNext
      const p = c.principal
      // the watched are seen to above
      if (p === null || c.closing) continue
      if (!c.alive) {
        this.#hub.stats.heartbeatTimeouts++
        this.#opts.onTimeout('heartbeat')
        // the close frame is sent for a peer that still reads; the grace above cuts one that does not
        c.close(CLOSE_CODES.HEARTBEAT_TIMEOUT, 'heartbeat timeout')
        continue
      }
      c.alive = false
      // the application ping and a WebSocket ping, in one write at the end of the turn
      c.ping((ping ??= this.#pingFrame()))
      if (p.expiresAt !== null && p.expiresAt - now <= this.#horizonMs) this.#watched.add(c)
    }
  }
}

import { CLOSE_CODES } from '@switchboard/shared'
import type { Hub } from './hub.ts'
import { textFrame } from './frame-writer.ts'

export interface HeartbeatOptions {
  intervalMs: number
  authTimeoutMs: number
  onTimeout(kind: 'heartbeat' | 'auth' | 'token'): void
}

/**
 * One timer for every connection (not one per socket). Each tick checks auth
 * deadlines and token expiry, and runs the heartbeat for one slice of the
 * connections: a connection that has not shown life since its previous ping
 * (a pong, a WebSocket pong or any frame) is closed with 4102, the others get
 * an application ping and a WebSocket ping (one write). Each connection is pinged once
 * every `intervalMs`, in the tick of its slot (`Connection.heartbeatSlot`),
 * so the pings, and the pongs they bring back, are spread over the interval:
 * pinging every connection in one tick costs two writes per connection in one
 * event-loop turn, about 0.2 s at 10k connections, during which no event is
 * delivered (a tail-latency spike every interval), and the same again to read
 * the pongs.
 */
export class Heartbeat {
  readonly #hub: Hub
  readonly #opts: HeartbeatOptions
  readonly #pingFrame: () => Buffer
  #timer: NodeJS.Timeout | undefined
  /** Ticks per heartbeat interval, i.e. slices of the connections. */
  #slices = 1
  #tick = 0
  #graceMs = 1000

  constructor(hub: Hub, opts: HeartbeatOptions) {
    this.#hub = hub
    this.#opts = opts
    this.#pingFrame = () => textFrame(`{"type":"ping","ts":${Date.now()}}`)
  }

  get active(): boolean {
    return this.#timer !== undefined
  }

  start(): void {
    const tickMs = Math.max(25, Math.min(1000, Math.floor(Math.min(this.#opts.intervalMs, this.#opts.authTimeoutMs) / 4)))
    this.#graceMs = tickMs + 1000
    this.#slices = Math.max(1, Math.ceil(this.#opts.intervalMs / tickMs))
    this.#tick = 0
    this.#timer = setInterval(() => this.tick(Date.now()), tickMs)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  tick(now: number): void {
    const slices = this.#slices
    const slice = this.#tick++ % slices
    let ping: Buffer | undefined
    for (const c of this.#hub.connections.values()) {
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
      if (c.heartbeatSlot % slices !== slice) continue
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
    }
  }
}

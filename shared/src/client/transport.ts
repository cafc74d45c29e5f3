import type { WebSocketLike } from './types.ts'

/** `ws[s]://host[/prefix]` + the endpoint of the chosen auth style. */
export function endpointUrl(base: string, mode: 'auth-frame' | 'query', token?: string): string {
  const root = base.replace(/^http(s?):\/\//i, 'ws$1://').replace(/\/+$/, '')
  if (mode === 'auth-frame') return `${root}/ws`
  return `${root}/ws/connect?token=${encodeURIComponent(token ?? '')}`
}

export interface TransportHandlers {
  open(): void
  /** A parsed frame: a JSON object with a string `type` (anything else is dropped). */
  frame(frame: { type: string } & Record<string, unknown>): void
  close(code: number, reason: string): void
}

const OPEN = 1

/**
 * One socket's wiring. `detach` silences it for good, so a socket the client
 * has given up on (dead server, close() called) can never deliver a late
 * frame or close event into the next connection's life.
 */
export class Transport {
  readonly #ws: WebSocketLike
  #attached = true

  constructor(ws: WebSocketLike, handlers: TransportHandlers) {
    this.#ws = ws
    const live = () => this.#attached
    ws.onopen = (() => {
      if (live()) handlers.open()
    }) as WebSocketLike['onopen']
    ws.onmessage = ((event: { data: unknown }) => {
      if (!live() || typeof event.data !== 'string') return
      let frame: unknown
      try {
        frame = JSON.parse(event.data)
      } catch {
        return
      }
      if (frame !== null && typeof frame === 'object' && !Array.isArray(frame) && typeof (frame as { type?: unknown }).type === 'string') {
        handlers.frame(frame as { type: string } & Record<string, unknown>)
      }
    }) as WebSocketLike['onmessage']
    ws.onclose = ((event: { code?: number; reason?: string }) => {
      if (!live()) return
      this.detach()
      handlers.close(event.code ?? 1006, event.reason ?? '')
    }) as WebSocketLike['onclose']
    // An error is always followed by a close event, which carries the code.
    ws.onerror = (() => {}) as WebSocketLike['onerror']
  }

  get isOpen(): boolean {
    return this.#attached && this.#ws.readyState === OPEN
  }

  /** Sends one frame; false when the socket is not open (the frame is dropped, not queued). */
  send(frame: object): boolean {
    if (!this.isOpen) return false
    this.#ws.send(JSON.stringify(frame))
    return true
  }

  detach(): void {
    this.#attached = false
  }

  /** Detaches, then closes the socket without waiting for the close handshake. */
  close(code: number, reason: string): void {
    this.detach()
    try {
      this.#ws.close(code, reason)
    } catch {
      // Closing a socket that is still connecting may throw in some implementations; it is abandoned either way.
    }
  }
}

/**
 * Declares the server dead when nothing arrives for `timeoutMs`. Keeps a
 * last-seen time instead of re-arming a timer on every frame.
 */
export class Watchdog {
  readonly #onExpire: () => void
  #timer: ReturnType<typeof setTimeout> | undefined
  #lastSeen = 0
  #timeoutMs = 0

  constructor(onExpire: () => void) {
    this.#onExpire = onExpire
  }

  arm(timeoutMs: number): void {
    this.#timeoutMs = timeoutMs
    this.#lastSeen = Date.now()
    this.#schedule(timeoutMs)
  }

  touch(): void {
    this.#lastSeen = Date.now()
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #schedule(ms: number): void {
    this.stop()
    this.#timer = setTimeout(() => {
      const idle = Date.now() - this.#lastSeen
      if (idle >= this.#timeoutMs) {
        this.#timer = undefined
        this.#onExpire()
      } else {
        this.#schedule(this.#timeoutMs - idle)
      }
    }, ms)
  }
}

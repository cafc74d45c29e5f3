import type { Device } from '../state/device.ts'
import { PendingCalls, type CallOutcome } from './pending-calls.ts'
import { requestFrame } from './shelly-frames.ts'

/** What a session needs of its socket; the gateway implements it over ws. */
export interface DeviceLink {
  /** false when the socket is no longer open. */
  send(text: string): boolean
  ping(): void
  close(code: number, reason: string): void
  terminate(): void
  /** True once the socket is fully closed. */
  isClosed(): boolean
}

/** How a session was admitted at the upgrade. */
export interface SessionOrigin {
  tenant: string
  tokenId: string
  remoteAddress: string
}

/**
 * One device socket. It knows its device after the first frame (`src`);
 * until then it is anonymous. Time is kept in plain numbers and driven by
 * the offline manager's single sweep, never by a timer per socket.
 */
export class DeviceSession {
  readonly id: string
  readonly link: DeviceLink
  readonly origin: SessionOrigin
  readonly openedAt: number
  readonly calls = new PendingCalls<unknown>()
  src: string | undefined
  device: Device | undefined
  /** Last frame or pong (ms). */
  lastSeen: number
  /** When the unanswered heartbeat ping went out; 0 when none is outstanding. */
  pingSentAt = 0
  /** Why the session ended, once it has: closed, replaced, heartbeat_timeout, ... */
  ended: string | undefined
  framesIn = 0
  /** Frames over the rate limit, dropped (counted in the metric too). */
  framesDropped = 0
  #windowStart = 0
  #windowCount = 0

  constructor(id: string, link: DeviceLink, origin: SessionOrigin, now = Date.now()) {
    this.id = id
    this.link = link
    this.origin = origin
    this.openedAt = now
    this.lastSeen = now
  }

  /** Any frame or pong: the device is alive, the outstanding ping (if any) is answered. */
  alive(now: number): void {
    this.lastSeen = now
    this.pingSentAt = 0
  }

  /** Fixed one-minute window, as for client connections. */
  takeFrameToken(now: number, perMinute: number): boolean {
    if (now - this.#windowStart >= 60_000) {
      this.#windowStart = now
      this.#windowCount = 0
    }
    return ++this.#windowCount <= perMinute
  }

  /** Sends a JSON-RPC request and waits (bounded) for its answer. */
  call(method: string, params: Record<string, unknown> | undefined, timeoutMs: number): Promise<CallOutcome<unknown>> {
    if (this.ended !== undefined) return Promise.resolve({ ok: false, code: 'DEVICE_OFFLINE', message: 'the device socket is closed' })
    const { id, outcome } = this.calls.open(timeoutMs)
    if (!this.link.send(requestFrame(id, method, params))) this.calls.settle(id, { ok: false, code: 'DEVICE_OFFLINE', message: 'the device socket is closed' })
    return outcome
  }

  /** Marks the session over (once) and fails what still waits on it. */
  end(reason: string): boolean {
    if (this.ended !== undefined) return false
    this.ended = reason
    this.calls.failAll(`the device socket ended (${reason})`)
    return true
  }
}

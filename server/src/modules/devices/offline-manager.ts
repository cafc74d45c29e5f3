import type { DeviceSession } from './ingress/device-session.ts'
import type { SessionIndex } from './ingress/session-index.ts'
import type { Device } from './state/device.ts'
import type { DeviceRegistry } from './state/device-registry.ts'

export interface OfflineManagerOptions {
  registry: DeviceRegistry
  sessions: SessionIndex
  /** A device silent this long gets a WebSocket ping. */
  intervalMs: number
  /** ... and is offline when neither a pong nor a frame follows within this. */
  timeoutMs: number
  onHeartbeatTimeout(session: DeviceSession): void
  /** A socket that has not said which device it is within the heartbeat window (`intervalMs + timeoutMs`). */
  onAnonymous(session: DeviceSession): void
}

/** Why devices go offline (the `reason` of `device-offline-status`). */
export const OFFLINE_REASONS = {
  socketClosed: 'socket_closed',
  heartbeat: 'heartbeat_timeout',
  upstreamLost: 'upstream_disconnected',
  upstreamReport: 'upstream_reported_offline',
  shutdown: 'server_shutdown',
  /** The instance serving the device died (its lease expired); marked by the survivor that cleaned up. */
  instanceLost: 'instance_lost',
} as const

/**
 * Reference 000's device offline manager, without its timers per device and
 * without guessing: a device goes offline when its socket closes, when it
 * fails the heartbeat, or when the upstream connection it came through is
 * lost (then all of that connection's devices at once, one bulk update).
 *
 * Heartbeat window: a device that has sent nothing (no frame, no pong) for
 * `intervalMs` is pinged; if nothing arrives within `timeoutMs` after the
 * ping, it is offline. So a device is marked offline at most
 * `intervalMs + timeoutMs + tick` after its last sign of life, where the
 * sweep's tick is min(intervalMs, timeoutMs) / 4, clamped to 10..1000 ms.
 * A chatty device is never pinged at all.
 */
export class OfflineManager {
  readonly #o: OfflineManagerOptions
  readonly tickMs: number
  #timer: NodeJS.Timeout | undefined

  constructor(opts: OfflineManagerOptions) {
    this.#o = opts
    this.tickMs = Math.max(10, Math.min(1000, Math.floor(Math.min(opts.intervalMs, opts.timeoutMs) / 4)))
  }

  /** The longest a silent device can stay online. */
  get windowMs(): number {
    return this.#o.intervalMs + this.#o.timeoutMs + this.tickMs
  }

  start(): void {
    if (this.#timer !== undefined) return
    this.#timer = setInterval(() => this.tick(Date.now()), this.tickMs)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  tick(now: number): void {
    const { intervalMs, timeoutMs, sessions } = this.#o
    for (const s of sessions.all) {
      if (s.ended !== undefined) continue
      if (s.device === undefined && now - s.openedAt >= intervalMs + timeoutMs) {
        this.#o.onAnonymous(s)
        continue
      }
      if (s.pingSentAt === 0) {
        if (now - s.lastSeen >= intervalMs) {
          s.pingSentAt = now
          s.link.ping()
        }
      } else if (now - s.pingSentAt >= timeoutMs) {
        this.#expire(s)
      }
    }
  }

  /** The device's socket closed: offline at once, unless a newer socket already speaks for it. */
  socketClosed(session: DeviceSession, reason: string = OFFLINE_REASONS.socketClosed): boolean {
    session.end(reason)
    const wasCurrent = this.#o.sessions.remove(session)
    return wasCurrent && session.device !== undefined ? this.#o.registry.markOffline(session.device, reason) : false
  }

  /** Every device that came through `upstreamId` is offline now: one store write, one event each. */
  upstreamLost(upstreamId: string, reason: string = OFFLINE_REASONS.upstreamLost): Device[] {
    const devices = [...this.#o.registry.all()].filter((d) => d.source === 'cloud' && d.upstreamId === upstreamId)
    return this.#o.registry.markOfflineMany(devices, reason)
  }

  /** Offline first (so the event does not wait for TCP), then the socket is cut without a close handshake. */
  #expire(s: DeviceSession): void {
    this.#o.onHeartbeatTimeout(s)
    this.socketClosed(s, OFFLINE_REASONS.heartbeat)
    s.link.terminate()
  }
}

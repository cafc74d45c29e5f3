import type { FastifyBaseLogger } from 'fastify'
import type { DeviceMetrics } from '../device-metrics.ts'
import type { OfflineManager } from '../offline-manager.ts'
import type { DeviceRegistry } from '../state/device-registry.ts'
import { DEVICE_CLOSE_CODES } from './device-close-codes.ts'
import { DeviceSession, type DeviceLink, type SessionOrigin } from './device-session.ts'
import type { SessionIndex } from './session-index.ts'
import { parseDeviceFrame, type DeviceFrame } from './shelly-frames.ts'

export interface DeviceIngressOptions {
  registry: DeviceRegistry
  sessions: SessionIndex
  offline: OfflineManager
  metrics: DeviceMetrics
  log: FastifyBaseLogger
  maxJsonDepth: number
  framesPerMinute: number
  commandTimeoutMs: number
  /** Sockets of devices awaiting approval a tenant may hold at once. */
  maxPendingPerTenant: number
  /** A device named itself on a socket here: an older socket of it on another instance gives way (plugin: the bus). */
  identified?(deviceId: string): void
}

/**
 * What happens on a device socket, between the gateway (which only knows
 * ws) and the registry (which only knows devices): parse -> identify ->
 * report. A malformed frame closes the socket with 1007 and is counted; a
 * frame naming another `src` than the first one closes it with 1008.
 */
export class DeviceIngress {
  readonly #o: DeviceIngressOptions
  #seq = 0

  constructor(opts: DeviceIngressOptions) {
    this.#o = opts
  }

  opened(link: DeviceLink, origin: SessionOrigin): DeviceSession {
    const session = new DeviceSession(`shelly-${(++this.#seq).toString(36)}`, link, origin)
    this.#o.sessions.add(session)
    return session
  }

  /** `text` is null for a binary frame (not part of the device protocol). */
  message(session: DeviceSession, text: string | null): void {
    if (session.ended !== undefined) return
    const now = Date.now()
    session.alive(now)
    session.framesIn++
    const { metrics } = this.#o
    if (!session.takeFrameToken(now, this.#o.framesPerMinute)) {
      metrics.rejected.inc({ reason: 'rate_limited' })
      // a dropped frame may be a command's answer: logged at the session's first drop and every
      // hundredth after, so a chatty device shows in the log without flooding it
      if (session.framesDropped++ % 100 === 0) {
        this.#o.log.warn(
          { session: session.id, src: session.src, tenant: session.origin.tenant, dropped: session.framesDropped, perMinute: this.#o.framesPerMinute },
          'device frames over the rate limit dropped',
        )
      }
      return
    }
    const parsed = text === null ? ({ ok: false, reason: 'binary', detail: 'binary frame' } as const) : parseDeviceFrame(text, this.#o.maxJsonDepth)
    if (!parsed.ok) {
      metrics.rejected.inc({ reason: parsed.reason })
      this.#o.log.warn({ session: session.id, src: session.src, tenant: session.origin.tenant, reason: parsed.reason, detail: parsed.detail }, 'malformed device frame: closing')
      this.#end(session, DEVICE_CLOSE_CODES.MALFORMED_FRAME, 'malformed_frame', `malformed frame (${parsed.reason})`)
      return
    }
    const frame = parsed.frame
    metrics.frames.inc({ kind: frame.kind })
    if (frame.kind === 'response') {
      if (typeof frame.id === 'number') {
        session.calls.settle(
          frame.id,
          frame.error === undefined
            ? { ok: true, value: frame.result }
            : { ok: false, code: 'DEVICE_ERROR', message: frame.error.message, deviceCode: frame.error.code },
        )
      }
      return
    }
    if (session.src === undefined) {
      if (!this.#identify(session, frame)) return
    } else if (frame.src !== session.src) {
      this.#end(session, DEVICE_CLOSE_CODES.POLICY_VIOLATION, 'src_changed', 'src changed on one socket')
      return
    }
    this.#apply(session, frame, new Date(now))
  }

  pong(session: DeviceSession): void {
    session.alive(Date.now())
  }

  closed(session: DeviceSession, code: number): void {
    if (session.ended === undefined) this.#o.metrics.closes.inc({ reason: code === 1001 ? 'going_away' : 'peer_closed' })
    this.#o.offline.socketClosed(session)
  }

  /** The heartbeat cut this socket (the offline manager already marked the device offline). */
  heartbeatTimedOut(session: DeviceSession): void {
    this.#o.metrics.heartbeatTimeouts.inc()
    this.#o.metrics.closes.inc({ reason: 'heartbeat_timeout' })
    this.#o.log.info({ session: session.id, src: session.src, tenant: session.origin.tenant }, 'device heartbeat timeout: offline')
  }

  anonymous(session: DeviceSession): void {
    this.#end(session, DEVICE_CLOSE_CODES.POLICY_VIOLATION, 'anonymous', 'no frame naming the device')
  }

  /**
   * The device came back on a socket of another instance before this one's
   * was seen dead: closed as replaced, with no offline in between (the device
   * is online, elsewhere; its state now comes from there).
   */
  replacedElsewhere(deviceId: string): void {
    const session = this.#o.sessions.current(deviceId)
    if (session === undefined) return
    this.#replaced(session, 'replaced by a newer socket on another instance')
    this.#o.log.info({ session: session.id, deviceId }, 'device reconnected to another instance: old socket closed')
  }

  /** An older socket of a device that came back on a new one: closed with no offline in between. */
  #replaced(previous: DeviceSession, why: string): void {
    previous.end('replaced')
    this.#o.sessions.remove(previous)
    this.#o.metrics.closes.inc({ reason: 'replaced' })
    previous.link.close(DEVICE_CLOSE_CODES.REPLACED, why)
  }

  /** Closes a session for a reason of ours; its close event finds it already ended. */
  endSession(session: DeviceSession, code: number, reason: string): void {
    this.#end(session, code, reason, reason)
  }

  #end(session: DeviceSession, code: number, metricReason: string, closeReason: string): void {
    this.#o.metrics.closes.inc({ reason: metricReason })
    // offline now, not when the close handshake finishes
    this.#o.offline.socketClosed(session, metricReason)
    session.link.close(code, closeReason)
  }

  /** First notification: who is this? Returns false when the socket is being closed instead. */
  #identify(session: DeviceSession, frame: Exclude<DeviceFrame, { kind: 'response' }>): boolean {
    const { registry, sessions } = this.#o
    const tenant = session.origin.tenant
    const device = registry.findOrCreate({ tenant, source: 'direct', externalId: frame.src, upstreamId: null })
    if (device.approval === 'rejected') {
      this.#end(session, DEVICE_CLOSE_CODES.REJECTED, 'rejected', 'device rejected by an operator')
      return false
    }
    if (device.approval === 'pending' && sessions.current(device.id) === undefined && this.#pendingSockets(tenant) >= this.#o.maxPendingPerTenant) {
      this.#end(session, DEVICE_CLOSE_CODES.TOO_MANY_PENDING, 'too_many_pending', 'too many devices awaiting approval')
      return false
    }
    session.src = frame.src
    session.device = device
    const previous = sessions.bind(device.id, session)
    // the device came back on a new socket before the old one was seen dead: no offline in between
    if (previous !== undefined) this.#replaced(previous, 'replaced by a newer socket')
    this.#o.log.info({ session: session.id, deviceId: device.id, src: frame.src, tenant, approval: device.approval, replaced: previous?.id }, 'device identified')
    this.#o.identified?.(device.id)
    this.#describe(session, frame.kind === 'status' && frame.full)
    return true
  }

  /**
   * Model and generation from `Shelly.GetDeviceInfo`; and when the first
   * frame was not a full status, the full status from `Shelly.GetStatus`,
   * so deltas are not merged into nothing.
   */
  #describe(session: DeviceSession, hadFullStatus: boolean): void {
    const { registry, commandTimeoutMs, log } = this.#o
    void session.call('Shelly.GetDeviceInfo', undefined, commandTimeoutMs).then((outcome) => {
      const device = session.device
      if (!outcome.ok || device === undefined || typeof outcome.value !== 'object' || outcome.value === null) return
      const info = outcome.value as Record<string, unknown>
      registry.describe(device, {
        model: typeof info.model === 'string' ? info.model.slice(0, 128) : undefined,
        generation: typeof info.gen === 'number' && Number.isInteger(info.gen) ? info.gen : undefined,
        name: typeof info.name === 'string' && info.name.length > 0 ? info.name.slice(0, 256) : undefined,
      })
    })
    if (hadFullStatus) return
    void session.call('Shelly.GetStatus', undefined, commandTimeoutMs).then((outcome) => {
      const device = session.device
      if (!outcome.ok || device === undefined || session.ended !== undefined) {
        if (!outcome.ok) log.debug({ session: session.id, code: outcome.code }, 'Shelly.GetStatus after identification failed')
        return
      }
      if (typeof outcome.value === 'object' && outcome.value !== null && !Array.isArray(outcome.value)) {
        registry.report(device, { kind: 'full', components: outcome.value as Record<string, unknown>, at: new Date() })
      }
    })
  }

  #apply(session: DeviceSession, frame: Exclude<DeviceFrame, { kind: 'response' }>, at: Date): void {
    const device = session.device!
    if (frame.kind === 'status') this.#o.registry.report(device, { kind: frame.full ? 'full' : 'delta', components: frame.components, at })
    // NotifyEvent and other notifications change no reading but are real messages: the device is there
    else this.#o.registry.reportOnline(device, at)
  }

  #pendingSockets(tenant: string): number {
    let n = 0
    for (const s of this.#o.sessions.all) if (s.ended === undefined && s.origin.tenant === tenant && s.device?.approval === 'pending') n++
    return n
  }
}

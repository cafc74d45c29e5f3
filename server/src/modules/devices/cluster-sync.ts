import type { FastifyBaseLogger } from 'fastify'
import type { Bus } from '../../bus/bus.ts'
import type { ClusterMessage } from '../../bus/cluster-message.ts'
import type { DeviceCommands } from './commands/device-commands.ts'
import type { EnrolmentTokens } from './enrolment/enrolment-tokens.ts'
import { DEVICE_CLOSE_CODES } from './ingress/device-close-codes.ts'
import type { DeviceIngress } from './ingress/device-ingress.ts'
import type { SessionIndex } from './ingress/session-index.ts'
import { OFFLINE_REASONS } from './offline-manager.ts'
import { snapshotOf, type Device } from './state/device.ts'
import type { DeviceRegistry } from './state/device-registry.ts'

export interface DeviceClusterSyncOptions {
  bus: Bus
  instanceId: string
  registry: DeviceRegistry
  sessions: SessionIndex
  enrolment: EnrolmentTokens
  /** Late: built after the registry, which reports through this sync. */
  ingress(): DeviceIngress
  commands(): DeviceCommands
  log: FastifyBaseLogger
}

/**
 * Keeps every instance's copy of the device registry in step over the bus.
 * A device is served by one instance (its socket, or its account's cloud
 * connection); that instance shares what changes there, and the others'
 * copies take it without writing or publishing anything themselves:
 *
 * - `device-settings`: a device first seen, or an operator's change (approval,
 *   name, assignment) made on any instance (which published what the change
 *   shows: its copy holds the live state); the serving instance closes the
 *   socket of a device rejected elsewhere;
 * - `device-state`: online state and readings, for every instance's views;
 * - `device-session`: the device named itself on a socket of the sender, so
 *   an older socket of it here is closed as replaced, with no offline;
 * - `enrolment-revoked`: a token revoked on the sender admits nothing here
 *   any more (cache dropped) and the sockets it admitted here are cut.
 *
 * It also remembers which instance serves each device served elsewhere, so
 * that the survivor that cleans up after a dead instance marks its devices
 * offline. Alone (memory bus), nothing is sent.
 */
export class DeviceClusterSync {
  readonly #o: DeviceClusterSyncOptions
  /** device id -> the instance serving it, for devices served elsewhere. */
  readonly #servedBy = new Map<string, string>()

  constructor(opts: DeviceClusterSyncOptions) {
    this.#o = opts
  }

  settingsChanged(device: Device): void {
    this.#share({ kind: 'device-settings', origin: this.#o.instanceId, device: snapshotOf(device) }, device.id)
  }

  stateChanged(d: Device): void {
    this.#share({ kind: 'device-state', origin: this.#o.instanceId, deviceId: d.id, online: d.online, readings: d.readings, lastSeenAt: d.lastSeenAt?.toISOString() ?? null }, d.id)
  }

  identified(deviceId: string): void {
    this.#share({ kind: 'device-session', origin: this.#o.instanceId, deviceId }, deviceId)
  }

  tokenRevoked(tokenId: string): void {
    this.#share({ kind: 'enrolment-revoked', origin: this.#o.instanceId, tokenId }, undefined)
  }

  /** The bus listener. */
  readonly onMessage = (m: ClusterMessage): void => {
    if (m.origin === this.#o.instanceId) return
    const { registry } = this.#o
    switch (m.kind) {
      case 'device-session':
        this.#servedBy.set(m.deviceId, m.origin)
        this.#o.ingress().replacedElsewhere(m.deviceId)
        return
      case 'device-state': {
        const device = registry.get(m.deviceId)
        if (device === undefined || this.#o.commands().servesHere(device)) return
        registry.adoptState(device, m)
        if (m.online) this.#servedBy.set(device.id, m.origin)
        else if (this.#servedBy.get(device.id) === m.origin) this.#servedBy.delete(device.id)
        return
      }
      case 'enrolment-revoked': {
        this.#o.enrolment.forget(m.tokenId)
        const cut = this.#o.sessions.byToken(m.tokenId)
        for (const s of cut) this.#o.ingress().endSession(s, DEVICE_CLOSE_CODES.TOKEN_REVOKED, 'token_revoked')
        if (cut.length > 0) this.#o.log.info({ tokenId: m.tokenId, sessionsClosed: cut.length }, 'device enrolment token revoked on another instance')
        return
      }
      case 'device-settings': {
        const { device, approvalBefore } = registry.adopt(m.device)
        const session = this.#o.sessions.current(device.id)
        if (approvalBefore !== 'rejected' && device.approval === 'rejected' && session !== undefined) {
          this.#o.ingress().endSession(session, DEVICE_CLOSE_CODES.REJECTED, 'rejected')
        }
        return
      }
      default:
        return
    }
  }

  /** A dead instance cannot say its devices went offline: the survivor that cleans up after it does. */
  instanceLost(dead: string): Device[] {
    const devices: Device[] = []
    for (const [id, by] of this.#servedBy) {
      if (by !== dead) continue
      this.#servedBy.delete(id)
      const device = this.#o.registry.get(id)
      if (device !== undefined && !this.#o.commands().servesHere(device)) devices.push(device)
    }
    const gone = this.#o.registry.markOfflineMany(devices, OFFLINE_REASONS.instanceLost)
    if (gone.length > 0) this.#o.log.warn({ instance: dead, devices: gone.length }, 'devices served by a dead instance marked offline')
    return gone
  }

  #share(message: ClusterMessage, deviceId: string | undefined): void {
    if (this.#o.bus.kind === 'memory') return
    this.#o.bus.publish(message).catch((err: unknown) => this.#o.log.warn({ err, deviceId, kind: message.kind }, 'device change not shared with the other instances'))
  }
}

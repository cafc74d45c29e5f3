import type { DeviceSession } from './device-session.ts'

/**
 * Live device sockets, and which one currently speaks for each device. A
 * device has at most one current session: a newer socket replaces the older
 * (Shelly reconnects before the old TCP connection is known dead).
 */
export class SessionIndex {
  readonly all = new Set<DeviceSession>()
  readonly #byDevice = new Map<string, DeviceSession>()

  add(session: DeviceSession): void {
    this.all.add(session)
  }

  /** Makes `session` the device's current one; returns the one it replaces, if any. */
  bind(deviceId: string, session: DeviceSession): DeviceSession | undefined {
    const previous = this.#byDevice.get(deviceId)
    this.#byDevice.set(deviceId, session)
    return previous === session ? undefined : previous
  }

  current(deviceId: string): DeviceSession | undefined {
    return this.#byDevice.get(deviceId)
  }

  /** Forgets the session; true when it was its device's current one (the device just lost its link). */
  remove(session: DeviceSession): boolean {
    this.all.delete(session)
    const deviceId = session.device?.id
    if (deviceId === undefined || this.#byDevice.get(deviceId) !== session) return false
    this.#byDevice.delete(deviceId)
    return true
  }

  byToken(tokenId: string): DeviceSession[] {
    return [...this.all].filter((s) => s.origin.tokenId === tokenId)
  }

  get size(): number {
    return this.all.size
  }
}

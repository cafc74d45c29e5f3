import type { DeviceSwitchResponse, ErrorCode } from '@switchboard/shared'
import type { ShellyCloudManager } from '../cloud/shelly-cloud-manager.ts'
import type { DeviceMetrics } from '../device-metrics.ts'
import type { SessionIndex } from '../ingress/session-index.ts'
import type { Device } from '../state/device.ts'
import type { CommandRelay } from './command-relay.ts'

export type SwitchResult = { ok: true; response: DeviceSwitchResponse } | { ok: false; code: ErrorCode; message: string }

/**
 * Commands to devices, whichever way they are reached: `Switch.Set` over the
 * device's own socket, or `Shelly:CommandRequest` through its cloud
 * account. Bounded by DEVICE_COMMAND_TIMEOUT_MS; every outcome is data. The
 * resulting state change is not reported here: it arrives from the device
 * (NotifyStatus, StatusOnChange) and becomes a `device-update`.
 *
 * With several instances a device is served by one of them; a command for a
 * device served elsewhere goes through the relay (command-relay.ts), and
 * the instance serving it runs it with `switchHere`.
 */
export class DeviceCommands {
  readonly #sessions: SessionIndex
  readonly #cloud: () => ShellyCloudManager | undefined
  readonly #timeoutMs: number
  readonly #metrics: DeviceMetrics
  /** Set with several instances (Redis): commands for devices served elsewhere. */
  relay: CommandRelay | undefined

  constructor(opts: { sessions: SessionIndex; cloud: () => ShellyCloudManager | undefined; timeoutMs: number; metrics: DeviceMetrics }) {
    this.#sessions = opts.sessions
    this.#cloud = opts.cloud
    this.#timeoutMs = opts.timeoutMs
    this.#metrics = opts.metrics
  }

  /** A switch command from a client or an operator, wherever the device is served. */
  async switch(device: Device, channel: number, on: boolean): Promise<SwitchResult> {
    const result = await this.#switch(device, channel, on)
    this.#metrics.commands.inc({ result: result.ok ? 'ok' : result.code.toLowerCase() })
    return result
  }

  /** Whether this instance holds the device's socket or runs its account's cloud connection. */
  servesHere(device: Device): boolean {
    return device.source === 'direct' ? this.#sessions.current(device.id) !== undefined : this.#cloud()?.serves(device) === true
  }

  /** A command relayed by another instance: run if this instance serves the device, else null. */
  async switchHere(device: Device, channel: number, on: boolean): Promise<SwitchResult | null> {
    return this.servesHere(device) ? this.#switchLocal(device, channel, on) : null
  }

  async #switch(device: Device, channel: number, on: boolean): Promise<SwitchResult> {
    // checked here too (settings reach every copy): a device pending or rejected is refused, connected or not
    if (device.approval !== 'approved') return { ok: false, code: 'FORBIDDEN', message: `Device ${device.id} is ${device.approval}, not approved` }
    if (this.relay !== undefined && !this.servesHere(device)) return this.relay.switch(device.id, channel, on)
    return this.#switchLocal(device, channel, on)
  }

  async #switchLocal(device: Device, channel: number, on: boolean): Promise<SwitchResult> {
    if (device.approval !== 'approved') return { ok: false, code: 'FORBIDDEN', message: `Device ${device.id} is ${device.approval}, not approved` }
    if (device.source === 'direct') {
      const session = this.#sessions.current(device.id)
      if (session === undefined || !device.online) return { ok: false, code: 'DEVICE_OFFLINE', message: `Device ${device.id} is not connected` }
      const outcome = await session.call('Switch.Set', { id: channel, on }, this.#timeoutMs)
      if (!outcome.ok) return { ok: false, code: outcome.code, message: deviceMessage(outcome) }
      const wasOn = (outcome.value as { was_on?: unknown } | null)?.was_on
      return { ok: true, response: { deviceId: device.id, channel, on, wasOn: typeof wasOn === 'boolean' ? wasOn : null } }
    }
    const cloud = this.#cloud()
    if (cloud === undefined || !device.online) return { ok: false, code: 'DEVICE_OFFLINE', message: `Device ${device.id} is not connected` }
    // the cloud's answer says only isOK: the previous relay state is the last one the device reported
    const before = device.readings.relayOn
    const outcome = await cloud.relay(device, channel, on, this.#timeoutMs)
    if (!outcome.ok) return { ok: false, code: outcome.code, message: deviceMessage(outcome) }
    return { ok: true, response: { deviceId: device.id, channel, on, wasOn: channel === 0 ? before : null } }
  }
}

function deviceMessage(outcome: { code: string; message: string; deviceCode?: number }): string {
  if (outcome.code === 'DEVICE_ERROR') return `The device refused the command${outcome.deviceCode === undefined ? '' : ` (${outcome.deviceCode})`}: ${outcome.message}`.slice(0, 512)
  if (outcome.code === 'DEVICE_TIMEOUT') return `The device did not answer: ${outcome.message}`
  return `The device is not reachable: ${outcome.message}`
}

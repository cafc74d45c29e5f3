import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Bus } from '../../../bus/bus.ts'
import type { ClusterMessage } from '../../../bus/cluster-message.ts'
import type { SwitchResult } from './device-commands.ts'

export interface CommandRelayOptions {
  bus: Bus
  instanceId: string
  /** Instances with a current lease, this one included (cluster registry). */
  liveInstances(): Promise<string[]>
  /** Runs a command here if this instance serves the device; null otherwise. */
  serve(deviceId: string, channel: number, on: boolean): Promise<SwitchResult | null>
  /** DEVICE_COMMAND_TIMEOUT_MS: the serving instance's own bound. */
  timeoutMs: number
  log: FastifyBaseLogger
}

interface Waiting {
  deviceId: string
  resolve(result: SwitchResult): void
  /** Instances that have not answered yet. */
  remaining: Set<string>
  timer: NodeJS.Timeout
}

/** Beyond the device's own bound: the two bus hops and the serving instance's turn. */
const RELAY_MARGIN_MS = 1_000

/**
 * Switch commands across instances. A device is served by one instance (the
 * one holding its socket, or its account's cloud connection); a command that
 * lands elsewhere is sent to every other instance over the bus, and each one
 * answers: the outcome where the device is served, "not here" everywhere
 * else. The first outcome is the answer; when every live instance said "not
 * here" the device is offline, at once rather than after a timeout.
 */
export class CommandRelay {
  readonly #o: CommandRelayOptions
  readonly #waiting = new Map<string, Waiting>()
  #closed = false

  constructor(opts: CommandRelayOptions) {
    this.#o = opts
  }

  async switch(deviceId: string, channel: number, on: boolean): Promise<SwitchResult> {
    let others: Set<string>
    try {
      others = new Set((await this.#o.liveInstances()).filter((id) => id !== this.#o.instanceId))
    } catch (err) {
      return unreachable(err)
    }
    if (this.#closed) return shuttingDown()
    if (others.size === 0) return notConnected(deviceId)
    const requestId = randomUUID()
    const answer = new Promise<SwitchResult>((resolve) => {
      const timer = setTimeout(() => {
        this.#o.log.warn({ deviceId, silent: [...others] }, 'device command: no instance answered in time')
        this.#settle(requestId, { ok: false, code: 'DEVICE_TIMEOUT', message: 'The device did not answer: no instance answered in time' })
      }, this.#o.timeoutMs + RELAY_MARGIN_MS)
      this.#waiting.set(requestId, { deviceId, resolve, remaining: others, timer })
    })
    try {
      await this.#o.bus.publish({ kind: 'device-command', origin: this.#o.instanceId, requestId, deviceId, channel, on })
    } catch (err) {
      this.#settle(requestId, unreachable(err))
    }
    return answer
  }

  /** The bus listener: runs the commands this instance serves, collects the answers to its own. */
  readonly onMessage = (m: ClusterMessage): void => {
    if (m.kind === 'device-command' && m.origin !== this.#o.instanceId) void this.#serve(m.origin, m.requestId, m.deviceId, m.channel, m.on)
    else if (m.kind === 'device-command-result' && m.to === this.#o.instanceId) this.#answered(m.origin, m.requestId, m.result)
  }

  async #serve(to: string, requestId: string, deviceId: string, channel: number, on: boolean): Promise<void> {
    let result: SwitchResult | null
    try {
      result = await this.#o.serve(deviceId, channel, on)
    } catch (err) {
      this.#o.log.warn({ err, deviceId }, 'relayed device command failed')
      result = { ok: false, code: 'DEVICE_ERROR', message: 'The command failed on the instance serving the device' }
    }
    await this.#o.bus
      .publish({ kind: 'device-command-result', origin: this.#o.instanceId, to, requestId, result })
      .catch((err: unknown) => this.#o.log.warn({ err, deviceId, to }, 'device command result not sent (the requester times out)'))
  }

  #answered(from: string, requestId: string, result: SwitchResult | null): void {
    const w = this.#waiting.get(requestId)
    if (w === undefined) return
    if (result !== null) return this.#settle(requestId, result)
    w.remaining.delete(from)
    if (w.remaining.size === 0) this.#settle(requestId, notConnected(w.deviceId))
  }

  #settle(requestId: string, result: SwitchResult): void {
    const w = this.#waiting.get(requestId)
    if (w === undefined) return
    this.#waiting.delete(requestId)
    clearTimeout(w.timer)
    w.resolve(result)
  }

  /** Shutdown: whatever still waits is answered now. */
  close(): void {
    this.#closed = true
    for (const id of [...this.#waiting.keys()]) this.#settle(id, shuttingDown())
  }
}

function notConnected(deviceId: string): SwitchResult {
  return { ok: false, code: 'DEVICE_OFFLINE', message: `Device ${deviceId} is not connected to any instance` }
}

function shuttingDown(): SwitchResult {
  return { ok: false, code: 'UNAVAILABLE', message: 'The server is shutting down' }
}

function unreachable(err: unknown): SwitchResult {
  return { ok: false, code: 'UNAVAILABLE', message: `The other instances cannot be reached: ${(err as Error).message}`.slice(0, 512) }
}

import { Backoff } from '@switchboard/shared/client'
import type { FastifyBaseLogger } from 'fastify'
import WebSocket from 'ws'
import type { ConnectionStatus } from '../../connections/connection.entity.ts'
import { PendingCalls, type CallOutcome } from '../ingress/pending-calls.ts'
import { parseCloudFrame, relayCommand, type CloudDeviceRef } from './cloud-frames.ts'

export interface ConnectorEvents {
  status(device: CloudDeviceRef, status: Record<string, unknown>): void
  online(device: CloudDeviceRef, online: boolean): void
  /** The socket was open and is not any more: every device behind it is offline. */
  lost(reason: string): void
  /** Status, last ping or error changed (persisted and logged by the manager). */
  changed(event: 'open' | 'close' | 'error' | 'ping'): void
  malformed(detail: string): void
}

export interface ConnectorOptions {
  url: string
  backoff: { initialDelayMs: number; maxDelayMs: number }
  heartbeat: { intervalMs: number; timeoutMs: number }
  maxPayload: number
  maxJsonDepth: number
  /** The operator's auto_reconnect flag, read before every reconnect (reference 000). */
  shouldReconnect(): Promise<boolean>
  events: ConnectorEvents
  log: FastifyBaseLogger
}

/** HTTP statuses at the upgrade that retrying cannot fix: the credentials are wrong. */
const TERMINAL_STATUSES = new Set([401, 403])
/** How long `start` waits for the first attempt before answering with the status it has. */
const START_WAIT_MS = 5_000

/**
 * One outbound WebSocket to a Shelly Cloud account. The only cloud file that
 * knows ws. States: `disconnected` (stopped) -> `reconnecting` (connecting
 * or waiting for the next attempt) -> `connected`; `error` when the cloud
 * refused the credentials (no retry until an operator starts it again).
 * Reconnects with exponential backoff and jitter (randomisation 0.5),
 * honouring auto_reconnect before each attempt.
 */
export class ShellyCloudConnector {
  status: ConnectionStatus = 'disconnected'
  errorMessage: string | null = null
  lastPingAt: Date | null = null
  connectedAt: Date | null = null
  disconnectedAt: Date | null = null
  readonly #o: ConnectorOptions
  readonly #backoff: Backoff
  readonly #calls = new PendingCalls<unknown>()
  #socket: WebSocket | undefined
  #running = false
  #retry: NodeJS.Timeout | undefined
  #heartbeat: NodeJS.Timeout | undefined
  #awaitingPong = false
  #attemptWaiters: Array<() => void> = []

  constructor(opts: ConnectorOptions) {
    this.#o = opts
    this.#backoff = new Backoff({ ...opts.backoff, randomizationFactor: 0.5, maxAttempts: Number.POSITIVE_INFINITY })
  }

  get running(): boolean {
    return this.#running
  }

  /** Connects (auto-reconnecting from now on); answers once the first attempt settled, or after a few seconds. */
  async start(): Promise<ConnectionStatus> {
    if (this.#running && this.#socket !== undefined) return this.status
    this.#running = true
    this.errorMessage = null
    this.#backoff.reset()
    clearTimeout(this.#retry)
    const settled = new Promise<void>((resolve) => this.#attemptWaiters.push(resolve))
    this.#connect()
    const wait = setTimeout(() => this.#settleAttempt(), START_WAIT_MS)
    await settled
    clearTimeout(wait)
    return this.status
  }

  /** Disconnects and stays disconnected; resolves once the socket is closed. */
  async stop(): Promise<void> {
    this.#running = false
    clearTimeout(this.#retry)
    this.#retry = undefined
    const socket = this.#socket
    if (socket === undefined) {
      this.#setStatus('disconnected', 'close')
      return
    }
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    socket.close(1000, 'stopped')
    const cut = setTimeout(() => socket.terminate(), 2_000)
    await closed
    clearTimeout(cut)
  }

  /** `Shelly:CommandRequest` for a relay, answered by `Shelly:CommandResponse` with the same `trid`. */
  relay(deviceId: string, channel: number, on: boolean, timeoutMs: number): Promise<CallOutcome<unknown>> {
    const socket = this.#socket
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) {
      return Promise.resolve({ ok: false, code: 'DEVICE_OFFLINE', message: 'the Shelly Cloud connection is not open' })
    }
    const { id, outcome } = this.#calls.open(timeoutMs)
    socket.send(relayCommand(id, deviceId, channel, on))
    return outcome
  }

  #connect(): void {
    this.#setStatus('reconnecting', 'close')
    const socket = new WebSocket(this.#o.url, { maxPayload: this.#o.maxPayload, perMessageDeflate: false, handshakeTimeout: 10_000 })
    this.#socket = socket
    let opened = false
    let failure: string | undefined
    let terminal = false
    socket.on('open', () => {
      opened = true
      this.#backoff.reset()
      this.connectedAt = new Date()
      this.lastPingAt = new Date()
      this.errorMessage = null
      this.#setStatus('connected', 'open')
      this.#startHeartbeat(socket)
      this.#settleAttempt()
    })
    socket.on('message', (data, isBinary) => {
      if (isBinary) return this.#o.events.malformed('binary frame')
      this.#onMessage(String(data))
    })
    socket.on('pong', () => {
      this.#awaitingPong = false
      this.lastPingAt = new Date()
      this.#o.events.changed('ping')
    })
    socket.on('error', (err) => {
      failure = err.message
      const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1]
      if (status !== undefined && TERMINAL_STATUSES.has(Number(status))) terminal = true
    })
    socket.on('close', (code, reason) => {
      this.#socket = undefined
      clearInterval(this.#heartbeat)
      this.#calls.failAll('the Shelly Cloud connection closed')
      this.disconnectedAt = new Date()
      const why = failure ?? (`closed ${code}${reason.length ? ` (${reason.toString().slice(0, 200)})` : ''}`)
      if (opened) this.#o.events.lost(why)
      void this.#afterClose(why, terminal)
    })
  }

  async #afterClose(why: string, terminal: boolean): Promise<void> {
    if (terminal) {
      this.#running = false
      this.errorMessage = `Shelly Cloud refused the credentials: ${why}`
      this.#setStatus('error', 'error')
      this.#o.log.warn({ error: this.errorMessage }, 'Shelly Cloud connection refused; not retrying until started again')
      return this.#settleAttempt()
    }
    if (!this.#running) {
      this.#setStatus('disconnected', 'close')
      return this.#settleAttempt()
    }
    let again: boolean
    try {
      again = await this.#o.shouldReconnect()
    } catch (err) {
      // the database is the flag's home; when it cannot answer, keep the last decision (running)
      this.#o.log.warn({ err }, 'could not read auto_reconnect; keeping the connection alive')
      again = true
    }
    if (!this.#running) return this.#settleAttempt()
    if (!again) {
      this.#running = false
      this.errorMessage = why
      this.#setStatus('disconnected', 'close')
      return this.#settleAttempt()
    }
    const delay = this.#backoff.next() ?? this.#o.backoff.maxDelayMs
    this.errorMessage = why
    this.#setStatus('reconnecting', 'error')
    this.#settleAttempt()
    this.#o.log.info({ delayMs: delay, error: why }, 'Shelly Cloud connection lost; reconnecting')
    this.#retry = setTimeout(() => {
      this.#retry = undefined
      if (this.#running) this.#connect()
    }, delay)
    this.#retry.unref()
  }

  #onMessage(text: string): void {
    const parsed = parseCloudFrame(text, this.#o.maxJsonDepth)
    if (!parsed.ok) return this.#o.events.malformed(parsed.detail)
    const f = parsed.frame
    switch (f.kind) {
      case 'status':
        return this.#o.events.status(f.device, f.status)
      case 'online':
        return this.#o.events.online(f.device, f.online)
      case 'command-response':
        this.#calls.settle(f.trid, f.ok ? { ok: true, value: f.result } : { ok: false, code: 'DEVICE_ERROR', message: typeof f.result === 'string' ? f.result.slice(0, 256) : 'the device refused the command' })
        return
      case 'other':
        return
    }
  }

  /** WebSocket pings; a cloud socket that answers nothing within the window is cut (and reconnected). */
  #startHeartbeat(socket: WebSocket): void {
    clearInterval(this.#heartbeat)
    this.#awaitingPong = false
    const { intervalMs, timeoutMs } = this.#o.heartbeat
    let pingedAt = 0
    this.#heartbeat = setInterval(() => {
      const now = Date.now()
      if (this.#awaitingPong) {
        if (now - pingedAt >= timeoutMs) {
          this.#o.log.warn('Shelly Cloud heartbeat timeout; reconnecting')
          socket.terminate()
        }
        return
      }
      if (now - (this.lastPingAt?.getTime() ?? 0) >= intervalMs) {
        this.#awaitingPong = true
        pingedAt = now
        socket.ping()
      }
    }, Math.max(10, Math.min(1000, Math.floor(Math.min(intervalMs, timeoutMs) / 4))))
    this.#heartbeat.unref()
  }

  #setStatus(status: ConnectionStatus, event: 'open' | 'close' | 'error'): void {
    const changed = this.status !== status
    this.status = status
    if (changed || event === 'error') this.#o.events.changed(event)
  }

  #settleAttempt(): void {
    const waiters = this.#attemptWaiters
    this.#attemptWaiters = []
    for (const w of waiters) w()
  }
}

import WebSocket from 'ws'

export interface SimulatedPlugOptions {
  /** `ws://host/shelly?token=...`: what `Ws.SetConfig` would hold. */
  url: string
  /** 12 hex digits; the `src` is `shellyplusplugs-<mac>`. */
  mac: string
  relayOn?: boolean
  /** Watts drawn by what is plugged in, while the relay is on. */
  loadWatts?: number
  /** Answer RPC requests (false: a device that hangs, for timeout tests). */
  answerRequests?: boolean
  /** Answer WebSocket pings (false: a frozen device, for heartbeat tests). */
  autoPong?: boolean
  /** Power readings as NotifyStatus deltas every this many ms while on (0: only on changes). */
  powerUpdateMs?: number
  /** Energy counter deltas (a real plug: every 60 s). 0: never. */
  energyUpdateMs?: number
  /** Reconnect after the socket closes, like a real device (tests usually leave it off). */
  reconnect?: boolean
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits

/**
 * A Shelly Plus Plug S (Gen2) speaking the outbound-WebSocket protocol:
 * `NotifyFullStatus` on connect, `NotifyStatus` deltas on change, energy
 * updates, answers to `Switch.Set`, `Switch.Toggle`, `Switch.GetStatus`,
 * `Shelly.GetStatus` and `Shelly.GetDeviceInfo`. Its `ts` counts from its
 * own boot, as a real device's does before it has synced its clock.
 */
export class SimulatedPlug {
  readonly src: string
  readonly mac: string
  socket: WebSocket | undefined
  relayOn: boolean
  loadWatts: number
  answerRequests: boolean
  energyWh = 0
  readonly stats = { framesSent: 0, requests: 0, connects: 0 }
  readonly #opts: SimulatedPlugOptions
  readonly #bootAt = Date.now()
  #timers: NodeJS.Timeout[] = []
  #stopped = false
  #reconnectDelay = 1_000

  constructor(opts: SimulatedPlugOptions) {
    this.#opts = opts
    this.mac = opts.mac.toUpperCase()
    this.src = `shellyplusplugs-${opts.mac.toLowerCase()}`
    this.relayOn = opts.relayOn ?? false
    this.loadWatts = opts.loadWatts ?? 60
    this.answerRequests = opts.answerRequests ?? true
  }

  get uptime(): number {
    return Math.floor((Date.now() - this.#bootAt) / 1000)
  }

  get power(): number {
    return this.relayOn ? round(this.loadWatts * (0.97 + Math.random() * 0.06), 1) : 0
  }

  /** The switch component as GetStatus shows it. */
  switchStatus(): Record<string, unknown> {
    const apower = this.power
    const voltage = round(229 + Math.random() * 3, 1)
    return {
      id: 0,
      source: 'init',
      output: this.relayOn,
      apower,
      voltage,
      current: round(apower / voltage, 3),
      aenergy: { total: round(this.energyWh, 3), by_minute: [0, 0, 0], minute_ts: Math.floor(Date.now() / 1000) },
      temperature: { tC: 31.2, tF: 88.2 },
    }
  }

  fullStatus(): Record<string, unknown> {
    return {
      ble: {},
      cloud: { connected: false },
      mqtt: { connected: false },
      plugs_ui: {},
      'switch:0': this.switchStatus(),
      sys: {
        mac: this.mac,
        restart_required: false,
        time: null,
        unixtime: null,
        uptime: this.uptime,
        ram_size: 262_144,
        ram_free: 140_000,
        fs_size: 458_752,
        fs_free: 180_000,
        cfg_rev: 11,
        kvs_rev: 0,
        schedule_rev: 0,
        webhook_rev: 0,
        available_updates: {},
      },
      wifi: { sta_ip: '192.168.1.50', status: 'got ip', ssid: 'clinic', rssi: -58 },
      ws: { connected: true },
    }
  }

  /** Opens the socket and sends NotifyFullStatus; resolves once it is sent. */
  connect(): Promise<void> {
    this.#stopped = false
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.#opts.url, { autoPong: this.#opts.autoPong ?? true, perMessageDeflate: false })
      this.socket = socket
      socket.once('open', () => {
        this.stats.connects++
        this.#reconnectDelay = 1_000
        this.notify('NotifyFullStatus', this.fullStatus())
        this.#startUpdates()
        resolve()
      })
      socket.once('error', (err) => {
        if (socket.readyState !== WebSocket.OPEN) reject(err)
      })
      socket.on('error', () => {})
      socket.on('message', (data) => this.#onMessage(String(data)))
      socket.on('close', () => {
        this.#stopUpdates()
        if (this.#opts.reconnect && !this.#stopped) {
          const delay = this.#reconnectDelay
          this.#reconnectDelay = Math.min(this.#reconnectDelay * 2, 30_000)
          const t = setTimeout(() => void this.connect().catch(() => {}), delay * (0.5 + Math.random() * 0.5))
          t.unref()
        }
      })
    })
  }

  /** A notification frame exactly as the device sends it. */
  notify(method: 'NotifyFullStatus' | 'NotifyStatus' | 'NotifyEvent', params: Record<string, unknown>): void {
    this.sendRaw(JSON.stringify({ src: this.src, dst: 'ws', method, params: { ts: round(this.uptime + Math.random(), 2), ...params } }))
  }

  sendRaw(text: string | Buffer): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return
    this.socket.send(text)
    this.stats.framesSent++
  }

  /** Flips the relay as a local button press would, and reports it. */
  press(on: boolean = !this.relayOn, source = 'button'): boolean {
    const was = this.relayOn
    this.relayOn = on
    if (was !== on) {
      const s = this.switchStatus()
      this.notify('NotifyStatus', { 'switch:0': { id: 0, output: on, source } })
      this.notify('NotifyStatus', { 'switch:0': { id: 0, apower: s.apower, current: s.current } })
    }
    return was
  }

  /** Closes the socket (a clean close); no reconnect. */
  close(code = 1000): void {
    this.#stopped = true
    this.#stopUpdates()
    this.socket?.close(code)
  }

  /** Drops the connection without a close frame (power cut). */
  terminate(): void {
    this.#stopped = true
    this.#stopUpdates()
    this.socket?.terminate()
  }

  #onMessage(text: string): void {
    let req: { id?: unknown; src?: unknown; method?: unknown; params?: unknown }
    try {
      req = JSON.parse(text)
    } catch {
      return
    }
    if (typeof req.method !== 'string' || req.id === undefined) return
    this.stats.requests++
    if (!this.answerRequests) return
    const params = (typeof req.params === 'object' && req.params !== null ? req.params : {}) as Record<string, unknown>
    const reply = (body: { result: unknown } | { error: { code: number; message: string } }) =>
      this.sendRaw(JSON.stringify({ id: req.id, src: this.src, dst: typeof req.src === 'string' ? req.src : 'ws', ...body }))
    switch (req.method) {
      case 'Switch.Set':
      case 'Switch.Toggle': {
        if ((params.id ?? 0) !== 0) return reply({ error: { code: -105, message: `Argument 'id', value ${String(params.id)} not found!` } })
        const on = req.method === 'Switch.Toggle' ? !this.relayOn : params.on
        if (typeof on !== 'boolean') return reply({ error: { code: -103, message: "Missing required argument 'on'!" } })
        const was = this.relayOn
        reply({ result: { was_on: was } })
        this.press(on, 'WS_in')
        return
      }
      case 'Switch.GetStatus':
        return reply({ result: this.switchStatus() })
      case 'Shelly.GetStatus':
        return reply({ result: this.fullStatus() })
      case 'Shelly.GetDeviceInfo':
        return reply({ result: { name: null, id: this.src, mac: this.mac, slot: 0, model: 'SNPL-00112EU', gen: 2, fw_id: '20241011-114455/1.4.4-g6d2a586', ver: '1.4.4', app: 'PlugS', auth_en: false, auth_domain: null } })
      default:
        return reply({ error: { code: 404, message: `No handler for ${req.method}` } })
    }
  }

  #startUpdates(): void {
    const { powerUpdateMs = 0, energyUpdateMs = 0 } = this.#opts
    if (powerUpdateMs > 0) {
      this.#every(powerUpdateMs, () => {
        if (!this.relayOn) return
        const s = this.switchStatus()
        this.notify('NotifyStatus', { 'switch:0': { id: 0, apower: s.apower, current: s.current, voltage: s.voltage } })
      })
    }
    if (energyUpdateMs > 0) {
      this.#every(energyUpdateMs, () => {
        this.energyWh += (this.power * energyUpdateMs) / 3_600_000
        this.notify('NotifyStatus', { 'switch:0': { id: 0, aenergy: { total: round(this.energyWh, 3), by_minute: [0, 0, 0], minute_ts: Math.floor(Date.now() / 1000) } } })
      })
    }
  }

  #every(ms: number, fn: () => void): void {
    // spread over the period so a fleet does not report in lockstep
    const first = setTimeout(() => {
      fn()
      const t = setInterval(fn, ms)
      t.unref()
      this.#timers.push(t)
    }, Math.random() * ms)
    first.unref()
    this.#timers.push(first)
  }

  #stopUpdates(): void {
    for (const t of this.#timers) clearTimeout(t)
    this.#timers = []
  }
}

/** The n-th simulated device's MAC: a fixed prefix, so runs are repeatable. */
export function simulatedMac(n: number, prefix = 'a0b1c2'): string {
  return `${prefix}${n.toString(16).padStart(6, '0')}`.slice(0, 12)
}

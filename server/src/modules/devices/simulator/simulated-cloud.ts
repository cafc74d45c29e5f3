import { createServer, type Server } from 'node:http'
import { WebSocketServer, type WebSocket } from 'ws'

export interface CloudDevice {
  id: string
  relayOn: boolean
  loadWatts: number
  online: boolean
}

export interface SimulatedCloudOptions {
  /** The access token a connector must present (`?t=`). */
  token: string
  /** Device ids (cloud ids are the lower-case MAC). */
  deviceIds: string[]
  /** Answer Shelly:CommandRequest (false: for timeout tests). */
  answerCommands?: boolean
  /** Status pushes every this many ms (0: only on change). */
  statusEveryMs?: number
}

/**
 * A stand-in for Shelly Cloud's real-time events socket
 * (`/shelly/wss/hk_sock?t=<token>`): it sends `Shelly:Online` and
 * `Shelly:StatusOnChange` for its devices, answers `Shelly:CommandRequest`
 * with `Shelly:CommandResponse` (same `trid`) followed by the status change,
 * refuses a wrong token with 401, and can drop every connection at once.
 */
export class SimulatedShellyCloud {
  readonly devices = new Map<string, CloudDevice>()
  readonly clients = new Set<WebSocket>()
  readonly stats = { connections: 0, refused: 0, commands: 0 }
  answerCommands: boolean
  /** Refuse upgrades with this HTTP status (0: accept). */
  refuseWith = 0
  readonly #opts: SimulatedCloudOptions
  readonly #http: Server
  readonly #wss: WebSocketServer
  #timer: NodeJS.Timeout | undefined

  constructor(opts: SimulatedCloudOptions) {
    this.#opts = opts
    this.answerCommands = opts.answerCommands ?? true
    for (const id of opts.deviceIds) this.devices.set(id, { id, relayOn: false, loadWatts: 40 + (id.charCodeAt(id.length - 1) % 10) * 10, online: true })
    this.#http = createServer((_req, res) => res.writeHead(404).end())
    this.#wss = new WebSocketServer({ noServer: true })
    this.#http.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost')
      const status = this.refuseWith || (url.pathname !== '/shelly/wss/hk_sock' ? 404 : url.searchParams.get('t') !== opts.token ? 401 : 0)
      if (status !== 0) {
        this.stats.refused++
        socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
        return
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws))
    })
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve) => this.#http.listen(port, host, resolve))
    const address = this.#http.address() as { port: number }
    if (this.#opts.statusEveryMs) {
      this.#timer = setInterval(() => {
        for (const d of this.devices.values()) if (d.online && d.relayOn) this.pushStatus(d.id)
      }, this.#opts.statusEveryMs)
      this.#timer.unref()
    }
    return `ws://${host}:${address.port}/shelly/wss/hk_sock`
  }

  statusOf(d: CloudDevice): Record<string, unknown> {
    const apower = d.relayOn ? d.loadWatts : 0
    return { 'switch:0': { id: 0, output: d.relayOn, apower, voltage: 230.4, current: Math.round((apower / 230.4) * 1000) / 1000, aenergy: { total: 1234.5 }, temperature: { tC: 35.1, tF: 95.2 } } }
  }

  pushStatus(id: string): void {
    const d = this.devices.get(id)
    // the older payload form: deviceId only
    if (d) this.#broadcast({ event: 'Shelly:StatusOnChange', deviceId: d.id, status: this.statusOf(d) })
  }

  setOnline(id: string, online: boolean): void {
    const d = this.devices.get(id)
    if (!d) return
    d.online = online
    this.#broadcast({ event: 'Shelly:Online', deviceId: id, online: online ? 1 : 0 })
  }

  /** Upstream loss: every connector's socket is cut without a close frame. */
  dropAll(): void {
    for (const ws of this.clients) ws.terminate()
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    for (const ws of this.clients) ws.terminate()
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()))
    await new Promise<void>((resolve) => this.#http.close(() => resolve()))
  }

  #accept(ws: WebSocket): void {
    this.stats.connections++
    this.clients.add(ws)
    ws.on('close', () => this.clients.delete(ws))
    ws.on('error', () => {})
    ws.on('message', (data) => this.#onMessage(ws, String(data)))
    for (const d of this.devices.values()) {
      this.#send(ws, { event: 'Shelly:Online', deviceId: d.id, online: d.online ? 1 : 0 })
      if (d.online) this.#send(ws, { event: 'Shelly:StatusOnChange', device: { id: d.id, code: 'SNPL-00112EU', gen: 'G2' }, status: this.statusOf(d) })
    }
  }

  #onMessage(ws: WebSocket, text: string): void {
    let msg: { event?: unknown; trid?: unknown; deviceId?: unknown; data?: { cmd?: unknown; params?: { id?: unknown; turn?: unknown } } }
    try {
      msg = JSON.parse(text)
    } catch {
      return
    }
    if (msg.event !== 'Shelly:CommandRequest' || typeof msg.trid !== 'number') return
    this.stats.commands++
    if (!this.answerCommands) return
    const d = typeof msg.deviceId === 'string' ? this.devices.get(msg.deviceId) : undefined
    const turn = msg.data?.params?.turn
    if (d === undefined || !d.online || msg.data?.cmd !== 'relay' || (turn !== 'on' && turn !== 'off' && turn !== 'toggle')) {
      this.#send(ws, { event: 'Shelly:CommandResponse', trid: msg.trid, deviceId: msg.deviceId, data: { isOK: false, res: 'device offline or bad command' } })
      return
    }
    d.relayOn = turn === 'toggle' ? !d.relayOn : turn === 'on'
    this.#send(ws, { event: 'Shelly:CommandResponse', trid: msg.trid, deviceId: d.id, data: { isOK: true } })
    this.pushStatus(d.id)
  }

  #send(ws: WebSocket, msg: unknown): void {
    if (ws.readyState === 1) ws.send(JSON.stringify(msg))
  }

  #broadcast(msg: unknown): void {
    const text = JSON.stringify(msg)
    for (const ws of this.clients) if (ws.readyState === 1) ws.send(text)
  }
}

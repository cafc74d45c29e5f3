/**
 * A tiny protocol server on a real `ws` WebSocketServer (port 0), speaking the
 * protocol as shared/PROTOCOL.md documents it, for testing the client without
 * the real server: welcome -> auth -> auth_success (or auth_error + 4001),
 * /ws/connect?token= refused with 401 before the upgrade, ping/pong,
 * subscribe/unsubscribe replies, channel history with `since` recovery.
 */
import type { IncomingMessage } from 'node:http'
import { WebSocketServer, type WebSocket } from 'ws'
import type { PushFrame, StreamPosition } from '../../src/index.ts'

export interface Identity {
  user: string
  tenant: string
  roles: string[]
}

export interface FakeServerOptions {
  /** Token -> identity; null = invalid. Default: any token starting with `good` is u1@t1 (admin). */
  verify?: (token: string) => Identity | null
  heartbeatIntervalMs?: number
  /** `expiresAt` of auth_success (default null: a token without expiry). */
  expiresAt?: () => string | null
  /** Hook run before the default handling; return true when the frame was handled. */
  onFrame?: (conn: FakeConnection, frame: Record<string, unknown>) => boolean
}

export interface FakeConnection {
  ws: WebSocket
  path: string
  identity: Identity | undefined
  frames: Record<string, unknown>[]
  channels: Set<string>
  send(frame: object): void
}

interface ChannelHistory {
  epoch: string
  events: PushFrame[]
}

export class FakeServer {
  readonly connections: FakeConnection[] = []
  readonly history = new Map<string, ChannelHistory>()
  readonly #wss: WebSocketServer
  readonly #options: FakeServerOptions
  readonly #waiters: (() => void)[] = []
  #eventSeq = 0

  private constructor(wss: WebSocketServer, options: FakeServerOptions) {
    this.#wss = wss
    this.#options = options
    wss.on('connection', (ws, req) => this.#accept(ws, req))
  }

  static start(options: FakeServerOptions = {}): Promise<FakeServer> {
    const verify = options.verify ?? ((token: string) => (token.startsWith('good') ? { user: 'u1', tenant: 't1', roles: ['admin'] } : null))
    const opts = { ...options, verify }
    return new Promise((resolve) => {
      const wss = new WebSocketServer({
        host: '127.0.0.1',
        port: 0,
        verifyClient: (info: { req: IncomingMessage }, done: (ok: boolean, status?: number) => void) => {
          const url = new URL(info.req.url ?? '/', 'http://x')
          if (url.pathname === '/ws') return done(true)
          if (url.pathname === '/ws/connect') return verify(url.searchParams.get('token') ?? '') ? done(true) : done(false, 401)
          done(false, 404)
        },
      })
      wss.on('listening', () => resolve(new FakeServer(wss, opts)))
    })
  }

  get url(): string {
    const address = this.#wss.address()
    if (address === null || typeof address === 'string') throw new TypeError('unexpected pipe address')
    return `ws://127.0.0.1:${address.port}`
  }

  /** Resolves once `count` connections have been accepted in total. */
  async waitForConnections(count: number): Promise<FakeConnection> {
    while (this.connections.length < count) await new Promise<void>((r) => this.#waiters.push(r))
    return this.connections[count - 1] as FakeConnection
  }

  /** Resolves with the first frame of `type` the connection sent (waiting for it if needed). */
  async nextFrame(conn: FakeConnection, type: string, after = 0): Promise<Record<string, unknown>> {
    for (;;) {
      const found = conn.frames.slice(after).find((f) => f.type === type)
      if (found) return found
      await new Promise<void>((r) => this.#waiters.push(r))
    }
  }

  /** Publishes to a channel with history: stamps offset/epoch, keeps it, sends to subscribers. */
  publish(channel: string, type: string, data: unknown): PushFrame {
    const history = this.#historyOf(channel)
    const last = history.events.at(-1)
    const push: PushFrame = {
      type,
      channel,
      id: `ev-${++this.#eventSeq}`,
      ts: new Date().toISOString(),
      offset: (last?.offset ?? 0) + 1,
      epoch: history.epoch,
      data,
    }
    history.events.push(push)
    for (const conn of this.connections) if (conn.channels.has(channel)) conn.send(push)
    return push
  }

  close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate()
    return new Promise((resolve) => this.#wss.close(() => resolve()))
  }

  #historyOf(channel: string): ChannelHistory {
    let history = this.history.get(channel)
    if (!history) this.history.set(channel, (history = { epoch: 'e1', events: [] }))
    return history
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake()
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'http://x')
    const identity = url.pathname === '/ws/connect' ? (this.#options.verify?.(url.searchParams.get('token') ?? '') ?? undefined) : undefined
    const conn: FakeConnection = {
      ws,
      path: req.url ?? '',
      identity,
      frames: [],
      channels: new Set(),
      send: (frame) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(frame)),
    }
    this.connections.push(conn)
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as Record<string, unknown>
      conn.frames.push(frame)
      if (!this.#options.onFrame?.(conn, frame)) this.#handle(conn, frame)
      this.#wake()
    })
    conn.send({
      type: 'welcome',
      connectionId: `c${this.connections.length}`,
      protocol: 1,
      heartbeatIntervalMs: this.#options.heartbeatIntervalMs ?? 30_000,
      authTimeoutMs: 10_000,
      serverTime: new Date().toISOString(),
      authenticated: identity !== undefined,
    })
    if (identity) conn.send(this.#authSuccess(conn, undefined))
    this.#wake()
  }

  #authSuccess(conn: FakeConnection, id: unknown): object {
    const who = conn.identity as Identity
    return {
      type: 'auth_success',
      ...(id !== undefined && { id }),
      connectionId: `c${this.connections.indexOf(conn) + 1}`,
      ...who,
      expiresAt: this.#options.expiresAt?.() ?? null,
      rooms: [`tenant:${who.tenant}`, `user:${who.tenant}/${who.user}`, ...who.roles.map((r) => `role:${who.tenant}/${r}`)],
    }
  }

  #handle(conn: FakeConnection, frame: Record<string, unknown>): void {
    const id = frame.id
    if (frame.type === 'auth') {
      const identity = this.#options.verify?.(String(frame.token))
      if (!identity) {
        conn.send({ type: 'auth_error', id, code: 'AUTH_FAILED', message: 'Token is invalid' })
        return void conn.ws.close(4001, 'authentication failed')
      }
      conn.identity = identity
      return conn.send(this.#authSuccess(conn, id))
    }
    if (frame.type === 'pong') return
    if (!conn.identity) {
      return conn.send({ type: 'error', id, code: 'NOT_AUTHENTICATED', message: 'Authenticate first', temporary: false })
    }
    if (frame.type === 'ping') return conn.send({ type: 'pong', id, ts: Date.now() })
    if (frame.type === 'unsubscribe') {
      for (const c of frame.channels as string[]) conn.channels.delete(c)
      return conn.send({ type: 'unsubscribed', id, channels: frame.channels })
    }
    if (frame.type === 'subscribe') return this.#subscribe(conn, frame)
    conn.send({ type: 'error', id, code: 'UNKNOWN_TYPE', message: 'Unknown frame type', temporary: false })
  }

  #subscribe(conn: FakeConnection, frame: Record<string, unknown>): void {
    const channels = frame.channels as string[]
    const since = (frame.since ?? {}) as Record<string, StreamPosition>
    const granted = channels.filter((c) => !c.startsWith('forbidden'))
    const denied = channels
      .filter((c) => c.startsWith('forbidden'))
      .map((channel) => ({ channel, code: 'FORBIDDEN_CHANNEL', message: 'Your roles do not allow this channel' }))
    const replay: PushFrame[] = []
    const recovery = granted
      .filter((c) => since[c] !== undefined)
      .map((channel) => {
        const from = since[channel] as StreamPosition
        const history = this.#historyOf(channel)
        const lastOffset = history.events.at(-1)?.offset ?? 0
        const position = { offset: lastOffset, epoch: history.epoch }
        if (from.epoch !== history.epoch) return { channel, recovered: false, position, replayed: 0 }
        const missed = history.events.filter((e) => (e.offset ?? 0) > from.offset)
        replay.push(...missed)
        return { channel, recovered: true, position, replayed: missed.length }
      })
    for (const c of granted) conn.channels.add(c)
    conn.send({ type: 'subscribed', id: frame.id, channels: granted, denied, ...(recovery.length > 0 && { recovery }) })
    // Replays after the reply: the client must not take them for duplicates of the reply's position.
    for (const push of replay) conn.send(push)
  }
}

import { CLOSE_CODES, PROTOCOL_VERSION } from '@switchboard/shared'
import type { FastifyInstance } from 'fastify'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { RawData, WebSocket, WebSocketServer } from 'ws'
import { StringTable } from '../intern.ts'
import type { Principal } from '../plugins/auth.ts'
import { completeAuthentication } from './authenticate.ts'
import { Connection, type ConnectionLimits } from './connection.ts'
import type { RealtimeContext } from './context.ts'
import type { Dispatcher } from './dispatch.ts'
import type { FrameWriter } from './frame-writer.ts'
import { IpRateLimiter } from './ip-rate-limit.ts'
import { clientAddress, divertUpgrades, refuseUpgrade, tokenOf } from './upgrade.ts'

export interface GatewayOptions {
  ctx: RealtimeContext
  dispatcher: Dispatcher
  limits: ConnectionLimits
  /** Writes every connection's frames (one per app: direct writes on or off). */
  writer: FrameWriter
  allowedOrigins: string[] | '*'
  connectionsPerIpPerMinute: number
  /** TRUST_PROXY: the client's address is the first X-Forwarded-For entry. */
  trustProxy: boolean
  /** True once the server began shutting down: upgrades are refused (503). */
  shuttingDown(): boolean
  instanceId: string
  onSlowConsumer(): void
  onSendError(): void
  /** Pushes dropped because their connection closed before they were written. */
  onDropped(frames: number): void
}

const CONNECTION = Symbol('switchboard.connection')
type Tagged = WebSocket & { [CONNECTION]?: Connection }

/**
 * The 101 response, `welcome` and (on `/ws/connect`) `auth_success` are written
 * corked: they leave in one segment and one syscall instead of three. ws
 * completes a handshake synchronously (no `verifyClient`), so all three are
 * written by the time `handleUpgrade` returns and the socket is uncorked there:
 * no Immediate per connection waits for the end of the turn. A handshake ws
 * refuses ends the socket, which uncorks it too. Refusals before this point
 * are written uncorked.
 */
function upgradeCorked(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer, opened: (ws: WebSocket) => void): void {
  socket.cork()
  try {
    wss.handleUpgrade(req, socket, head, opened)
  } finally {
    if (socket.writableCorked > 0) socket.uncork()
  }
}

const CLIENT_PATHS: ReadonlySet<string> = new Set(['/ws', '/ws/connect'])

/**
 * The transport adapter: the only realtime file that knows Fastify and ws.
 * `GET /ws` authenticates with an `auth` frame; `GET /ws/connect?token=` at the
 * upgrade (a bad token never gets a socket: 401). Listeners are attached
 * synchronously in ws's upgrade callback so no early frame is lost.
 *
 * These two paths are upgraded here, not routed through Fastify as
 * @fastify/websocket routes them (it still serves the device gateway's route):
 * an upgrade is a GET with no body whose socket this gateway owns from then on,
 * and Fastify's request, reply, child logger, hooks and the ServerResponse the
 * plugin makes for it cost about a sixth of the server's CPU per connection
 * (S4 in BENCHMARKS.md), and kept the upgrade request reachable from the socket.
 * What Fastify gave them is done here: origin and per-IP checks, the client's
 * address as `request.ip` computes it, the request line in the log at `info`
 * (through the app's `req` serializer: token redacted), 503 while shutting down, errors in the API's JSON shape.
 */
export async function realtimeGateway(app: FastifyInstance, opts: GatewayOptions): Promise<void> {
  const { ctx, dispatcher } = opts
  const ipLimiter = new IpRateLimiter(opts.connectionsPerIpPerMinute)
  const clientStrings = new StringTable()
  let seq = 0
  const sink = {
    onSlowConsumer(c: Connection) {
      ctx.hub.stats.slowConsumerCloses++
      ctx.hub.stats.totalDropped++
      opts.onSlowConsumer()
      ctx.log.warn({ connectionId: c.id, user: c.user, tenant: c.tenant }, 'slow consumer closed: outbound buffer limit reached')
      c.close(CLOSE_CODES.SLOW_CONSUMER, 'slow consumer')
    },
    onSendError(c: Connection) {
      ctx.hub.stats.totalSendErrors++
      opts.onSendError()
      ctx.log.debug({ connectionId: c.id }, 'send failed')
    },
    onDropped(c: Connection, frames: number) {
      ctx.hub.stats.totalDropped += frames
      opts.onDropped(frames)
      ctx.log.debug({ connectionId: c.id, frames }, 'pushes dropped: the connection closed before they were written')
    },
    flushLater(c: Connection) {
      ctx.writes.add(c)
    },
    onClosing(c: Connection) {
      ctx.hub.closing(c)
    },
  }

  /** Origin, address and (on `/ws/connect`) token checks; ws validates the handshake itself. */
  function upgradeClient(req: IncomingMessage, socket: Duplex, head: Buffer, path: string): void {
    const url = req.url ?? '/'
    const ip = clientAddress(req, opts.trustProxy)
    // the app's `req` serializer redacts the token, and runs only when `info` is logged
    ctx.log.info({ req: { method: req.method, url, ip } }, 'websocket upgrade')
    const origin = req.headers.origin
    if (opts.shuttingDown()) return refuseUpgrade(socket, 503, 'UNAVAILABLE', 'Server is shutting down')
    if (opts.allowedOrigins !== '*' && origin !== undefined && !opts.allowedOrigins.includes(origin)) {
      return refuseUpgrade(socket, 403, 'FORBIDDEN', 'Origin not allowed')
    }
    if (!ipLimiter.take(ip)) return refuseUpgrade(socket, 429, 'RATE_LIMITED', 'Too many connection attempts from this address', { 'Retry-After': '60' })
    let principal: Principal | undefined
    if (path === '/ws/connect') {
      const token = tokenOf(url)
      const result = token === undefined ? null : ctx.verifyToken(token)
      if (result === null || !result.ok) {
        return refuseUpgrade(socket, 401, result?.ok === false ? result.code : 'NOT_AUTHENTICATED', result?.ok === false ? result.message : 'token query parameter required')
      }
      principal = result.principal
    }
    // ws takes the socket's errors over synchronously, before anything can be emitted
    upgradeCorked(wss, req, socket, head, (ws) => {
      // a throw here would escape the server's 'upgrade' listener: no dispatcher
      // turns it into an error, and the client would wait on an open socket
      try {
        const c = open(ws, req, ip)
        welcome(c, principal !== undefined)
        if (principal !== undefined) {
          // in a cluster auth_success waits on Redis: the client's first requests are answered after it
          const pending = completeAuthentication(ctx, c, principal, undefined)
          if (pending !== undefined) dispatcher.hold(c, pending)
        }
      } catch (err) {
        ctx.log.error({ err }, 'websocket connection failed to open')
        const c = (ws as Tagged)[CONNECTION]
        if (c !== undefined) c.close(CLOSE_CODES.INTERNAL_ERROR, 'internal error')
        else ws.close(CLOSE_CODES.INTERNAL_ERROR, 'internal error')
      }
    })
  }

  // One set of socket listeners for every connection (ws calls them with the
  // socket as `this`): no closures and contexts per connection.
  function onMessage(this: Tagged, data: RawData, isBinary: boolean): void {
    dispatcher.dispatch(this[CONNECTION]!, data as Buffer, isBinary)
  }
  function onPong(this: Tagged): void {
    const c = this[CONNECTION]!
    c.alive = true
    c.lastPongAt = Date.now()
  }
  function onError(this: Tagged, err: Error): void {
    ctx.log.debug({ err, connectionId: this[CONNECTION]?.id }, 'socket error')
  }
  function onClose(this: Tagged, code: number, reason: Buffer): void {
    const c = this[CONNECTION]!
    ctx.hub.remove(c, c.closingState?.code ?? code, c.closingState?.reason ?? reason.toString())
  }

  /**
   * The request is not kept: what the connection needs of it is copied out.
   * Origins, user agents and addresses repeat across connections (one web
   * app's clients, a NAT, a proxy): the connection keeps the shared copy. (For
   * a peer address Node's socket still caches its own, in `_peername`.)
   */
  function open(socket: WebSocket, req: IncomingMessage, ip: string): Connection {
    const c = new Connection({
      id: `${opts.instanceId}-${(++seq).toString(36)}`,
      socket,
      ip: clientStrings.of(ip),
      userAgent: clientStrings.of(req.headers['user-agent']),
      origin: clientStrings.of(req.headers.origin),
      limits: opts.limits,
      sink,
      writer: opts.writer,
    })
    const tagged = socket as Tagged
    tagged[CONNECTION] = c
    socket.on('message', onMessage)
    socket.on('pong', onPong)
    socket.on('error', onError)
    socket.on('close', onClose)
    ctx.hub.add(c)
    return c
  }

  function welcome(c: Connection, authenticated: boolean): void {
    c.send({
      type: 'welcome',
      connectionId: c.id,
      protocol: PROTOCOL_VERSION,
      heartbeatIntervalMs: ctx.settings.heartbeatIntervalMs,
      authTimeoutMs: ctx.settings.authTimeoutMs,
      serverTime: new Date().toISOString(),
      authenticated,
    })
  }

  const wss = app.websocketServer
  divertUpgrades(app.server, CLIENT_PATHS, upgradeClient)
}

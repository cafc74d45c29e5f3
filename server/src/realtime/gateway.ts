import { CLOSE_CODES, PROTOCOL_VERSION } from '@switchboard/shared'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { RawData, WebSocket } from 'ws'
import { completeAuthentication } from './authenticate.ts'
import { Connection, type ConnectionLimits } from './connection.ts'
import type { RealtimeContext } from './context.ts'
import type { Dispatcher } from './dispatch.ts'
import { IpRateLimiter } from './ip-rate-limit.ts'

export interface GatewayOptions {
  ctx: RealtimeContext
  dispatcher: Dispatcher
  limits: ConnectionLimits
  allowedOrigins: string[] | '*'
  connectionsPerIpPerMinute: number
  instanceId: string
  onSlowConsumer(): void
  onSendError(): void
  /** Pushes dropped because their connection closed before they were written. */
  onDropped(frames: number): void
}

const CONNECTION = Symbol('switchboard.connection')
type Tagged = WebSocket & { [CONNECTION]?: Connection }

/**
 * @fastify/websocket keeps the upgrade request reachable for the socket's whole
 * life: its per-socket `error` listener closes over the Fastify request and
 * reply, and the TCP socket still points at the upgrade's ServerResponse (and
 * through it the IncomingMessage, its headers and the URL, token included).
 * That is about 1.5 KB of heap per idle connection, and a token kept in memory
 * for nothing. Every field a connection needs is copied out first; then both
 * links are cut. The gateway's own `error` listener replaces the plugin's.
 */
function releaseUpgrade(socket: WebSocket): void {
  socket.removeAllListeners('error')
  const tcp = (socket as unknown as { _socket?: Socket & { _httpMessage?: ServerResponse | null } })._socket
  if (tcp?._httpMessage) tcp._httpMessage.detachSocket(tcp)
}

/**
 * The 101 response, `welcome` and (on `/ws/connect`) `auth_success` are written
 * in the same turn of the event loop: corked, they leave in one segment and one
 * syscall instead of three. The socket is uncorked once the turn is over,
 * whatever happened meanwhile (ws ending the socket on a bad handshake uncorks
 * it too). Refusals before this point are written uncorked.
 */
function holdWrites(socket: Socket): void {
  socket.cork()
  setImmediate(() => {
    if (socket.writableCorked > 0) socket.uncork()
  })
}

/**
 * The transport adapter: the only realtime file that knows Fastify and ws.
 * `GET /ws` authenticates with an `auth` frame; `GET /ws/connect?token=` at the
 * upgrade (a bad token never gets a socket: 401). Listeners are attached
 * synchronously in the handler so no early frame is lost.
 */
export async function realtimeGateway(app: FastifyInstance, opts: GatewayOptions): Promise<void> {
  const { ctx, dispatcher } = opts
  const ipLimiter = new IpRateLimiter(opts.connectionsPerIpPerMinute)
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
  }

  async function admit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const origin = request.headers.origin
    if (opts.allowedOrigins !== '*' && origin !== undefined && !opts.allowedOrigins.includes(origin)) {
      return reply.code(403).send({ statusCode: 403, code: 'FORBIDDEN', error: 'Forbidden', message: 'Origin not allowed' })
    }
    if (!ipLimiter.take(request.ip)) {
      return reply
        .code(429)
        .header('retry-after', '60')
        .send({ statusCode: 429, code: 'RATE_LIMITED', error: 'Too Many Requests', message: 'Too many connection attempts from this address' })
    }
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

  function open(socket: WebSocket, request: FastifyRequest): Connection {
    releaseUpgrade(socket)
    const c = new Connection({
      id: `${opts.instanceId}-${(++seq).toString(36)}`,
      socket,
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      origin: request.headers.origin,
      limits: opts.limits,
      sink,
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

  app.get(
    '/ws',
    {
      websocket: true,
      preValidation: async (request, reply) => {
        await admit(request, reply)
        // a refusal must leave before @fastify/websocket destroys the socket: hold writes only once admitted
        if (!reply.sent) holdWrites(request.raw.socket)
      },
    },
    (socket, request) => {
      welcome(open(socket, request), false)
    },
  )

  app.get(
    '/ws/connect',
    {
      websocket: true,
      preValidation: async (request, reply) => {
        await admit(request, reply)
        if (reply.sent) return
        const token = (request.query as { token?: unknown }).token
        const result = typeof token === 'string' && token.length > 0 ? ctx.verifyToken(token) : null
        if (result === null || !result.ok) {
          const code = result?.ok === false ? result.code : 'NOT_AUTHENTICATED'
          return reply.code(401).send({ statusCode: 401, code, error: 'Unauthorized', message: result?.ok === false ? result.message : 'token query parameter required' })
        }
        request.principal = result.principal
        holdWrites(request.raw.socket)
      },
    },
    (socket, request) => {
      const c = open(socket, request)
      welcome(c, true)
      completeAuthentication(ctx, c, request.principal!, undefined)
    },
  )
}

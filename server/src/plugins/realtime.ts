import { CLIENT_FRAME_SCHEMAS, RESTRICTED_CHANNELS, type ErrorCode } from '@switchboard/shared'
import websocket from '@fastify/websocket'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Bus } from '../bus/bus.ts'
import type { EventCatalog } from '../catalog/event-catalog.ts'
import type { Config } from '../config.ts'
import type { HistoryPolicy, HistoryStore } from '../history/history.ts'
import { connectionStatusAnnouncer } from '../modules/live-status/connection-status.ts'
import { Publisher } from '../modules/publish/publisher.ts'
import { loadDirectWrite } from '../native/direct-write.ts'
import type { RealtimeContext } from '../realtime/context.ts'
import { Dispatcher } from '../realtime/dispatch.ts'
import { FrameWriter } from '../realtime/frame-writer.ts'
import { realtimeGateway } from '../realtime/gateway.ts'
import { authHandler } from '../realtime/handlers/auth.ts'
import { pingHandler, pongHandler } from '../realtime/handlers/ping.ts'
import { subscribeHandler } from '../realtime/handlers/subscribe.ts'
import { unsubscribeHandler } from '../realtime/handlers/unsubscribe.ts'
import { Heartbeat } from '../realtime/heartbeat.ts'
import { Hub } from '../realtime/hub.ts'
import { WriteBatch } from '../realtime/write-batch.ts'
import type { Principal } from './auth.ts'

declare module 'fastify' {
  interface FastifyInstance {
    hub: Hub
    bus: Bus
    publisher: Publisher
    /** Register further client frame handlers (notifications, devices...). */
    dispatcher: Dispatcher
    heartbeat: Heartbeat
    realtime: RealtimeContext
    /** Event types and their data schemas (built in + EVENT_SCHEMAS_FILE). */
    catalog: EventCatalog
  }
}

export interface RealtimePluginOptions {
  config: Config
  bus: Bus
  history: HistoryStore
  historyPolicy: (channel: string) => HistoryPolicy | undefined
  catalog: EventCatalog
  instanceId: string
}

/**
 * Assembles the hub: dispatcher with the core handlers, heartbeat sweep, the
 * gateway routes, the publisher, and the bus feeding deliveries to the hub.
 */
async function realtimePlugin(app: FastifyInstance, opts: RealtimePluginOptions) {
  const { config, bus } = opts
  const metrics = app.metrics
  const systemChannels = new Set(Object.keys(RESTRICTED_CHANNELS))
  const writes = new WriteBatch()
  const hub = new Hub({ systemChannels, metrics, writes })

  const channelAccess = (p: Principal, channel: string): ErrorCode | null => {
    if (Object.hasOwn(RESTRICTED_CHANNELS, channel) && !p.isAdmin && !p.isTenantAdmin) return 'FORBIDDEN_CHANNEL'
    return null
  }

  const ctx: RealtimeContext = {
    hub,
    settings: {
      authTimeoutMs: config.AUTH_TIMEOUT_MS,
      heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS,
      maxJsonDepth: config.MAX_JSON_DEPTH,
      maxSubscriptions: config.MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxConnectionsPerUser: config.MAX_CONNECTIONS_PER_USER,
      systemChannels,
    },
    log: app.log.child({ room: 'realtime' }),
    verifyToken: (token) => app.verifyToken(token),
    history: opts.history,
    historyPolicy: opts.historyPolicy,
    channelAccess,
    countIn: (type) => metrics.messagesIn.add(type),
    countRejected: (code) => metrics.errors.inc({ code }),
    routingSettled: () => bus.settled?.(),
    writes,
  }
  // a bus that routes by topic (Redis) follows the hub's rooms
  if (bus.interest !== undefined) hub.onRoomChange((room, active) => bus.interest!(room, active))

  const writer = frameWriter(config.DIRECT_SOCKET_WRITES, ctx.log)
  metrics.writeCounts = () => writer.counts

  const dispatcher = new Dispatcher(ctx)
  dispatcher.register('auth', CLIENT_FRAME_SCHEMAS.auth, authHandler)
  dispatcher.register('ping', CLIENT_FRAME_SCHEMAS.ping, pingHandler)
  dispatcher.register('pong', CLIENT_FRAME_SCHEMAS.pong, pongHandler)
  dispatcher.register('subscribe', CLIENT_FRAME_SCHEMAS.subscribe, subscribeHandler)
  dispatcher.register('unsubscribe', CLIENT_FRAME_SCHEMAS.unsubscribe, unsubscribeHandler)

  const heartbeat = new Heartbeat(hub, {
    intervalMs: config.HEARTBEAT_INTERVAL_MS,
    authTimeoutMs: config.AUTH_TIMEOUT_MS,
    onTimeout: (kind) => metrics.timeouts.inc({ kind }),
  })

  const publisher = new Publisher({
    catalog: opts.catalog,
    bus,
    history: opts.history,
    historyPolicy: opts.historyPolicy,
    instanceId: opts.instanceId,
  })

  bus.onMessage((message) => {
    if (message.kind === 'event') hub.deliver(message.event)
    else if (message.kind === 'disconnect') hub.disconnect(message.selector, message.code, message.reason)
  })

  // Alone (memory bus), this hub knows every dashboard that could hear a connect or a close: with none
  // watching and no history kept for it, the announcement is skipped (it was a publish per connect).
  const dashboardKeepsHistory = opts.historyPolicy('admin-dashboard') !== undefined
  const heard =
    bus.kind === 'memory' && !dashboardKeepsHistory ? (tenant: string) => hub.hasAudience({ kind: 'channel', tenant, channel: 'admin-dashboard' }) : undefined
  hub.addObserver(connectionStatusAnnouncer(publisher, ctx.log, heard))

  app.decorate('hub', hub)
  app.decorate('bus', bus)
  app.decorate('publisher', publisher)
  app.decorate('dispatcher', dispatcher)
  app.decorate('heartbeat', heartbeat)
  app.decorate('realtime', ctx)
  app.decorate('catalog', opts.catalog)

  metrics.connectionCounts = () => {
    let authenticated = 0
    for (const c of hub.connections.values()) if (c.principal !== null) authenticated++
    return [authenticated, hub.connections.size]
  }

  let shuttingDown = false
  await app.register(websocket, {
    options: {
      maxPayload: config.MAX_FRAME_BYTES,
      // compression costs CPU per message and memory per socket; the protocol's frames are small
      perMessageDeflate: false,
      clientTracking: false,
    },
    // graceful shutdown closes every socket with 1001 through the hub, not the plugin's default,
    // and the gateway refuses upgrades from then on (503)
    preClose: () => {
      shuttingDown = true
      hub.closeAll()
    },
  })
  await app.register(realtimeGateway, {
    ctx,
    dispatcher,
    writer,
    limits: {
      outboundBufferBytes: config.OUTBOUND_BUFFER_BYTES,
      messagesPerMinute: config.WS_MAX_MESSAGES_PER_MINUTE,
      maxInvalidFrames: config.MAX_INVALID_FRAMES,
    },
    allowedOrigins: config.allowedOrigins,
    connectionsPerIpPerMinute: config.WS_MAX_CONNECTIONS_PER_IP_PER_MINUTE,
    trustProxy: config.TRUST_PROXY,
    shuttingDown: () => shuttingDown,
    instanceId: opts.instanceId,
    onSlowConsumer: () => metrics.slowConsumer(),
    onSendError: () => metrics.sendError(),
    onDropped: (frames) => metrics.dropped('connection_closed', frames),
  })

  app.addHook('onReady', async () => heartbeat.start())
  app.addHook('onClose', async () => {
    heartbeat.stop()
    await bus.close()
    await opts.history.close()
  })
}

/**
 * Direct socket writes when asked for and the addon loads; said once at start-up when it does not
 * (a warning on Linux, where it should be there; off Linux it never is, which is no news).
 */
function frameWriter(direct: boolean, log: FastifyInstance['log']): FrameWriter {
  if (!direct) return new FrameWriter()
  const loaded = loadDirectWrite()
  if ('addon' in loaded) return new FrameWriter(loaded.addon)
  log[process.platform === 'linux' ? 'warn' : 'info']({ reason: loaded.reason }, 'direct socket writes unavailable: every frame goes through Node streams')
  return new FrameWriter()
}

export default fp(realtimePlugin, { name: 'switchboard-realtime', fastify: '5.x', dependencies: ['switchboard-auth', 'switchboard-metrics'] })

import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Bus } from './bus/bus.ts'
import { MemoryBus } from './bus/memory-bus.ts'
import { EventCatalog } from './catalog/event-catalog.ts'
import type { Config } from './config.ts'
import { historyPolicyResolver } from './history/history-policy.ts'
import type { HistoryPolicy, HistoryStore } from './history/history.ts'
import { MAX_MEMORY_STREAMS, MemoryHistory } from './history/memory-history.ts'
import { installErrorHandler } from './http-errors.ts'
import { HttpProblem } from './http-problem.ts'
import { publishRoutes } from './modules/publish/routes.ts'
import { statsRoutes } from './modules/stats/routes.ts'
import { adminSessionRoutes } from './modules/admin-session/routes.ts'
import adminStaticPlugin from './plugins/admin-static.ts'
import connectionsPlugin from './modules/connections/plugin.ts'
import devicesPlugin from './modules/devices/plugin.ts'
import logsPlugin from './modules/logs/plugin.ts'
import { LogTap } from './modules/logs/log-tap.ts'
import notificationsPlugin, { registerNotificationsUnavailable } from './modules/notifications/plugin.ts'
import dbPlugin, { createDatabaseHistory, type DbPluginOptions } from './plugins/db.ts'
import authPlugin from './plugins/auth.ts'
import metricsPlugin, { Metrics } from './plugins/metrics.ts'
import { Revocations } from './cluster/revocations.ts'
import clusterPlugin from './plugins/cluster.ts'
import realtimePlugin from './plugins/realtime.ts'
import { jsonDepthExceeds, jsonHasNul } from './realtime/frame-guards.ts'
import { redactUrl } from './redact.ts'
import { redisBackend } from './redis/backend.ts'

export interface AppOverrides {
  bus?: Bus
  history?: HistoryStore
  /** Logger options or false (tests). */
  logger?: boolean | object
  /** Database location for tests (a schema of their own, `memory://` PGlite). */
  database?: DbPluginOptions['settings']
  /** An ORM the caller opened and closes (tests share one PGlite boot between apps). */
  orm?: DbPluginOptions['orm']
  /** Where the default logger writes (tests capture it); stdout otherwise. */
  logStream?: NodeJS.WritableStream
}

/** Builds the whole app in a visible order: infrastructure, realtime, then HTTP modules. */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const instanceId = config.INSTANCE_ID || `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`
  // the server's own warnings and errors also go to the `logs` channel (and service_log) once the database is up
  const logTap = config.DATABASE_ENABLED ? new LogTap() : undefined
  const app = Fastify({
    logger: overrides.logger ?? {
      level: config.LOG_LEVEL,
      // tokens travel in `?token=` (reference 002): never let one reach a log line
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
      },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      ...(logTap ? { hooks: logTap.hooks } : {}),
      ...(overrides.logStream ? { stream: overrides.logStream } : {}),
    },
    trustProxy: config.TRUST_PROXY,
    bodyLimit: config.PUBLISH_MAX_BYTES,
  })
  installErrorHandler(app)

  // JSON bodies are depth-checked on the raw text before parsing (STACK_NOTES: deep values crash JSON.stringify)
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (jsonDepthExceeds(text, config.MAX_JSON_DEPTH)) {
      const err = Object.assign(new Error(`JSON nests deeper than ${config.MAX_JSON_DEPTH} levels`), { statusCode: 400, code: 'TOO_DEEP' })
      return done(err, undefined)
    }
    // secure-json-parse tests every body with two regular expressions for `__proto__`
    // and `constructor` keys (escaped or not); a body with neither word and no \u
    // escape cannot hold one, so it is parsed directly. Anything else, and any
    // syntax error (for the same error reply), goes through the default parser.
    if (!text.includes('__proto__') && !text.includes('constructor') && !text.includes('\\u')) {
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        return parseJson(request, text, done)
      }
      return done(null, value)
    }
    // PostgreSQL cannot store U+0000: refused here with 400 rather than failing in the database
    // with a 503, except where a route takes it on purpose (`config.nulAllowed`: a publish
    // delivers it as sent, a log ingest stores it with U+FFFD)
    if (jsonHasNul(text) && request.routeOptions.config.nulAllowed !== true) {
      return done(Object.assign(new Error('The body holds a NUL character (\\u0000), which cannot be stored'), { statusCode: 400, code: 'INVALID_FRAME' }), undefined)
    }
    parseJson(request, text, done)
  })

  // No path or query parameter may carry a NUL: PostgreSQL cannot hold one in text, and refuses it
  // in a bound parameter as a protocol violation (08P01), a code PgBouncer also uses for transient
  // failures, so orUnavailable cannot tell it from an outage afterwards (it would answer 503).
  // (a callback hook: no promise per request on the publish path)
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.url.includes('%00')) done(new HttpProblem(400, 'INVALID_FRAME', 'The URL contains a NUL character (%00)'))
    else done()
  })

  const metrics = new Metrics()
  const historyPolicy = historyPolicyResolver(config.HISTORY_CHANNELS)
  const policyOfKey = (key: string) => historyPolicy(key.slice(key.indexOf('\0') + 1)) ?? { size: 0, ttlMs: 0 }

  // tokens refused before their expiry (user/tenant disconnects with revocation); the cluster layer fills it
  const revocations = new Revocations()
  await app.register(authPlugin, { config, revocations })
  await app.register(metricsPlugin, { metrics })
  // before realtime: the database history store needs the ORM, and the database must close last
  if (config.DATABASE_ENABLED) {
    await app.register(dbPlugin, { config, ...(overrides.database ? { settings: overrides.database } : {}), ...(overrides.orm ? { orm: overrides.orm } : {}) })
  }
  // REDIS_URL: scale-out (bus, and history in Redis Streams unless HISTORY_STORE says otherwise)
  const redis = config.REDIS_URL && overrides.bus === undefined ? redisBackend(config, instanceId, app.log.child({ room: 'redis' }), policyOfKey) : undefined
  const redisHistory = config.HISTORY_STORE === 'redis' || (config.HISTORY_STORE === 'auto' && redis !== undefined)
  const databaseHistory = config.HISTORY_STORE === 'database' || (config.HISTORY_STORE === 'auto' && config.DATABASE_ENABLED && !redisHistory)
  const history =
    overrides.history ??
    (redisHistory && redis ? redis.history : databaseHistory ? createDatabaseHistory(app, policyOfKey) : memoryHistory(app.log, policyOfKey))
  if (redis && history === redis.history) redis.bus.useHistory(redis.history)
  await app.register(realtimePlugin, {
    config,
    bus: overrides.bus ?? redis?.bus ?? new MemoryBus(),
    history,
    historyPolicy,
    catalog: new EventCatalog(config.EVENT_SCHEMAS_FILE || undefined),
    instanceId,
  })
  // registry, presence, cluster-wide limits and disconnects (in memory without REDIS_URL)
  await app.register(clusterPlugin, { config, instanceId, redis, revocations })

  app.get('/health', { logLevel: 'warn' }, async () => ({
    status: app.bus.health() === 'ok' ? 'ok' : 'degraded',
    instance: instanceId,
    bus: app.bus.kind,
    connections: app.hub.connections.size,
    uptime: process.uptime(),
  }))
  await app.register(publishRoutes)
  await app.register(statsRoutes, {
    isProduction: config.isProduction,
    heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS,
    heartbeatActive: () => app.heartbeat.active,
    instanceId,
  })
  // the admin console: its session endpoint, and the built SPA at /admin
  await app.register(adminSessionRoutes, { config })
  await app.register(adminStaticPlugin)
  if (config.DATABASE_ENABLED) {
    await app.register(logsPlugin, { config, tap: logTap })
    await app.register(connectionsPlugin, { config, instanceId })
    await app.register(notificationsPlugin, { config })
  } else {
    registerNotificationsUnavailable(app.dispatcher)
  }
  // after connections: SHELLY upstream connections plug into its control route
  await app.register(devicesPlugin, { config, instanceId, redis })
  return app
}

/** History in memory, its stream cap's evictions in the log (the first and every thousandth). */
function memoryHistory(log: FastifyBaseLogger, policyOfKey: (key: string) => HistoryPolicy): MemoryHistory {
  let evicted = 0
  return new MemoryHistory(policyOfKey, Date.now, {
    evicted: (key) => {
      if (evicted++ % 1000 === 0) log.warn({ channel: key.slice(key.indexOf('\0') + 1), evicted, maxStreams: MAX_MEMORY_STREAMS }, 'channel history dropped for room (least recently used): its positions no longer recover')
    },
  })
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes a JSON body holding U+0000 (app.ts's JSON parser refuses it elsewhere). */
    nulAllowed?: boolean
  }
}

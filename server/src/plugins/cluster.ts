import { CLOSE_CODES, PresenceGetFrameSchema } from '@switchboard/shared'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import { ClusterAdmission } from '../cluster/admission.ts'
import { channelMatcher } from '../cluster/channel-patterns.ts'
import { MemoryPresence } from '../cluster/memory-presence.ts'
import type { PresenceStore } from '../cluster/presence-store.ts'
import { PresenceTracker } from '../cluster/presence-tracker.ts'
import { MemoryPublishRate, RedisPublishRate, type PublishRateLimiter } from '../cluster/publish-rate.ts'
import { RedisPresence, type Leave } from '../cluster/redis-presence.ts'
import type { Revocation, Revocations } from '../cluster/revocations.ts'
import { RedisRegistry } from '../cluster/redis-registry.ts'
import { instanceReport, LocalRegistry, type ClusterRegistry } from '../cluster/registry.ts'
import type { Config } from '../config.ts'
import { DisconnectService } from '../modules/cluster/disconnect-service.ts'
import { presenceHandler } from '../modules/cluster/presence-handler.ts'
import { clusterRoutes } from '../modules/cluster/routes.ts'
import { ConnectionRepository } from '../modules/connections/connection.repository.ts'
import type { RedisBackend } from '../redis/backend.ts'
import { enc } from '../redis/keys.ts'

/** What the rest of the app uses of the cluster layer. */
export interface ClusterServices {
  /** `/ws/stats`' cluster view and the live connections list. */
  registry: ClusterRegistry
  presence: PresenceStore
  presenceEnabled(channel: string): boolean
  /** Closes connections wherever they live. */
  disconnects: DisconnectService
  /** PUBLISH_RATE_PER_TENANT, cluster-wide; undefined when unlimited. */
  publishRate: PublishRateLimiter | undefined
  /** The Redis registry when REDIS_URL is set (tests stop its heartbeats to play a crash). */
  redisRegistry: RedisRegistry | undefined
  /** Called on the one instance that cleans up after a dead one (modules with state of their own: devices). */
  onInstanceLost(listener: (instanceId: string) => void | Promise<void>): void
}

declare module 'fastify' {
  interface FastifyInstance {
    cluster: ClusterServices
  }
}

export interface ClusterPluginOptions {
  config: Config
  instanceId: string
  /** Set when REDIS_URL is: the Redis registry, presence and limits; otherwise their single-instance forms. */
  redis: RedisBackend | undefined
  /** The list the auth plugin checks; kept in step with the cluster here. */
  revocations: Revocations
}

/**
 * Everything that makes several instances one: the registry with leases
 * (cluster view, live connections, cleanup after a crashed instance),
 * presence, the per-user connection cap and publish rate across instances,
 * and forced disconnects. Without Redis the same services run for one
 * instance in memory, so the API is the same either way.
 */
async function clusterPlugin(app: FastifyInstance, opts: ClusterPluginOptions) {
  const { config, instanceId, redis, revocations } = opts
  const log = app.log.child({ room: 'cluster' })
  const hub = app.hub
  const bus = app.bus
  const startedAt = new Date().toISOString()
  const report = () => instanceReport(hub, bus, instanceId, startedAt)
  const presenceEnabled = channelMatcher(config.PRESENCE_CHANNELS)
  const rate = config.PUBLISH_RATE_PER_TENANT

  let presence: PresenceStore
  let registry: ClusterRegistry
  let redisRegistry: RedisRegistry | undefined
  let publishRate: PublishRateLimiter | undefined
  let tracker: PresenceTracker
  const lostListeners: Array<(instanceId: string) => void | Promise<void>> = []

  if (redis !== undefined) {
    const redisPresence = new RedisPresence(redis.bus.commands, redis.keys, instanceId)
    presence = redisPresence
    tracker = new PresenceTracker({ store: presence, bus, instanceId, enabled: presenceEnabled, log })
    // An admission Redis did not answer in time may have been counted there all the same (a stall, not
    // an outage: the connection stays up, so no reconnect rewrites anything): a second later this
    // instance's share is written whole from what it holds, which puts the per-user counts right.
    let healing: NodeJS.Timeout | undefined
    const healShare = () => {
      if (healing !== undefined) return
      healing = setTimeout(() => {
        healing = undefined
        rewriteShare()
      }, 1_000)
      healing.unref()
    }
    const admission = new ClusterAdmission(redisPresence, config.MAX_CONNECTIONS_PER_USER, log, healShare)
    app.realtime.admission = admission.admit
    hub.addObserver(admission)
    const connectionRows = app.hasDecorator('orm') ? new ConnectionRepository(app.orm) : undefined
    redisRegistry = new RedisRegistry({
      redis: redis.bus.commands,
      keys: redis.keys,
      instanceId,
      heartbeatMs: config.CLUSTER_HEARTBEAT_MS,
      leaseMs: config.CLUSTER_LEASE_MS,
      report,
      presence: redisPresence,
      log,
      onInstanceLost: async (id: string, leaves: Leave[]) => {
        for (const l of leaves) tracker.announce('leave', l.tenant, l.channel, l.user)
        for (const listener of lostListeners) {
          try {
            await listener(id)
          } catch (err) {
            log.warn({ err, instance: id }, 'cleanup after a dead instance failed')
          }
        }
        if (connectionRows === undefined) return
        try {
          const closed = await connectionRows.sweepStale(id)
          if (closed > 0) log.warn({ instance: id, closed }, 'connection records of a dead instance closed')
        } catch (err) {
          log.warn({ err, instance: id }, 'connection records of a dead instance could not be closed')
        }
      },
      onShareLost: () => {
        log.warn('redis lost this instance\'s registry entries (restarted empty?): writing them again')
        rewriteShare()
      },
    })
    // This instance's share (users, presence, connections) is what it holds locally: written again
    // whenever Redis lost it, and after every reconnect (calls that failed meanwhile left it stale).
    const rewriteShare = () => {
      redisRegistry!.rewriteAll(hub.connections.values())
      redisPresence.rewrite(admission.snapshot().values(), tracker.snapshot()).catch((err: unknown) => log.warn({ err }, 'presence rewrite failed'))
    }
    let reconnecting = false
    redis.bus.commands.on('close', () => {
      reconnecting = true
    })
    redis.bus.commands.on('ready', () => {
      if (!reconnecting) return
      reconnecting = false
      rewriteShare()
      void loadRevocations()
    })
    hub.addObserver(redisRegistry.observer)
    registry = redisRegistry
    if (rate > 0) publishRate = new RedisPublishRate(redis.bus.commands, redis.keys, rate)
  } else {
    presence = new MemoryPresence((tenant, user) => hub.userConnectionCount(tenant, user))
    tracker = new PresenceTracker({ store: presence, bus, instanceId, enabled: presenceEnabled, log })
    registry = new LocalRegistry(hub, instanceId, report)
    if (rate > 0) publishRate = new MemoryPublishRate(rate)
  }
  hub.addObserver(tracker)
  app.dispatcher.register('presence:get', PresenceGetFrameSchema, presenceHandler(presence, presenceEnabled))

  // Revocations travel with the disconnect order: every instance records them as the sockets close.
  bus.onMessage((m) => {
    if (m.kind !== 'disconnect' || m.revoke === undefined || !('tenant' in m.selector)) return
    revocations.add({ tenant: m.selector.tenant, ...('user' in m.selector ? { user: m.selector.user } : {}), ...m.revoke })
  })
  const revocationField = (r: Revocation) => (r.user === undefined ? enc(r.tenant) : `${enc(r.tenant)}:${enc(r.user)}`)
  // With Redis they are also stored, for instances that start (or reconnect) later.
  const loadRevocations = async () => {
    if (redis === undefined) return
    try {
      const stored = await redis.bus.commands.hgetall(redis.keys.revocations)
      const expired: string[] = []
      for (const [field, json] of Object.entries(stored)) {
        const r = JSON.parse(json) as Revocation
        if (r.until > Date.now()) revocations.add(r)
        else expired.push(field)
      }
      if (expired.length > 0) await redis.bus.commands.hdel(redis.keys.revocations, ...expired)
    } catch (err) {
      log.warn({ err }, 'revocations could not be loaded from redis')
    }
  }

  // A disconnect order travels on pub/sub: one sent while this instance's subscriber was away never
  // arrives. Its revocation is stored as well, so after every resubscription the stored revocations are
  // read again and the local connections they cover are closed, as the order would have closed them.
  if (redis !== undefined) {
    redis.bus.onResubscribed(() => {
      void loadRevocations().then(() => {
        let closed = 0
        for (const c of hub.connections.values()) {
          if (c.principal === null || !revocations.isRevoked(c.principal)) continue
          c.close(CLOSE_CODES.REVOKED, 'access revoked')
          closed++
        }
        if (closed > 0) log.warn({ closed }, 'connections revoked while this instance was not receiving cluster messages: closed now')
      })
    })
  }

  const disconnects = new DisconnectService({
    bus,
    instanceId,
    revocationTtlMs: config.REVOCATION_TTL_SECONDS * 1000,
    persistRevocation: async (r) => {
      if (redis !== undefined) await redis.bus.commands.hset(redis.keys.revocations, revocationField(r), JSON.stringify(r))
    },
    count: async (selector) => {
      if ('connectionId' in selector) return 1
      if ('user' in selector) return (await presence.online(selector.tenant, [selector.user]))[selector.user] ?? 0
      return (await registry.view()).connections_by_tenant[selector.tenant] ?? 0
    },
  })

  const registers = [app.metrics.registry]
  new Gauge({
    name: 'switchboard_bus_up',
    help: '1 while the bus works (memory: always; Redis: both connections ready), else 0',
    registers,
    collect() {
      this.set(bus.health() === 'ok' ? 1 : 0)
    },
  })
  if (redis !== undefined) {
    new Gauge({
      name: 'switchboard_history_gaps',
      help: 'History gaps this instance met on the bus (missed pub/sub messages), by outcome: filled from the stream or not',
      labelNames: ['outcome'],
      registers,
      collect() {
        const { filled, unfilled } = redis.bus.gapStats
        this.set({ outcome: 'filled' }, filled)
        this.set({ outcome: 'unfilled' }, unfilled)
      },
    })
  }

  const onInstanceLost = (listener: (instanceId: string) => void | Promise<void>) => void lostListeners.push(listener)
  app.decorate('cluster', { registry, presence, presenceEnabled, disconnects, publishRate, redisRegistry, onInstanceLost } satisfies ClusterServices)
  await app.register(clusterRoutes, { registry, presence, presenceEnabled, disconnects })

  app.addHook('onReady', async () => {
    if (redis === undefined) return
    if (!(await redis.bus.ready(config.REDIS_CONNECT_TIMEOUT_MS))) {
      log.warn('redis not reachable: starting degraded (publishes answer 503, health says degraded); retrying in the background')
    } else await loadRevocations()
    await redisRegistry!.start()
  })
  // runs before the realtime plugin closes the bus (onClose hooks run in reverse order of registration)
  app.addHook('onClose', async () => {
    const leaves = (await redisRegistry?.stop()) ?? []
    for (const l of leaves) tracker.announce('leave', l.tenant, l.channel, l.user)
  })
}

export default fp(clusterPlugin, {
  name: 'switchboard-cluster',
  fastify: '5.x',
  dependencies: ['switchboard-realtime', 'switchboard-auth'],
})

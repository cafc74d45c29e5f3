import {
  StatsResponseSchema,
  TestBroadcastBodySchema,
  TestBroadcastResponseSchema,
  type BroadcastMetrics,
  type ClusterStats,
  type StatsResponse,
  type TestBroadcastBody,
} from '@switchboard/shared'
import type { FastifyInstance } from 'fastify'
import type { Hub } from '../../realtime/hub.ts'

export interface StatsRoutesOptions {
  isProduction: boolean
  heartbeatIntervalMs: number
  heartbeatActive(): boolean
  instanceId: string
}

export function broadcastMetrics(hub: Hub): BroadcastMetrics {
  return {
    total_messages_sent: hub.stats.totalMessagesSent,
    total_broadcasts: hub.stats.totalBroadcasts,
    total_send_errors: hub.stats.totalSendErrors,
    last_broadcast_at: hub.stats.lastBroadcastAt === null ? null : new Date(hub.stats.lastBroadcastAt).toISOString(),
  }
}

/**
 * The cluster part of `/ws/stats`, read from the registry (Redis) and not by
 * asking every instance; left out while the registry cannot be read.
 */
async function clusterStats(app: FastifyInstance, isAdmin: boolean): Promise<{ cluster?: ClusterStats }> {
  if (!app.hasDecorator('cluster')) return {}
  try {
    const { connections_by_tenant, ...view } = await app.cluster.registry.view()
    return { cluster: isAdmin ? { ...view, connections_by_tenant } : view }
  } catch (err) {
    app.log.debug({ err }, 'cluster view unavailable')
    return {}
  }
}

/** Reference 002's `/ws/stats` and `_test/broadcast`, same shapes. */
export async function statsRoutes(app: FastifyInstance, opts: StatsRoutesOptions): Promise<void> {
  const started = Date.now()

  app.get('/ws/stats', { schema: { response: { 200: StatsResponseSchema } } }, async (request): Promise<StatsResponse> => {
    const hub = app.hub
    // tenant names are not public: the per-tenant breakdown needs an admin token
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
    const verified = token === undefined ? null : app.verifyToken(token)
    const isAdmin = verified?.ok === true && verified.principal.isAdmin
    let unauthenticated = 0
    for (const c of hub.connections.values()) if (c.principal === null) unauthenticated++
    return {
      status: 'ok',
      stats: {
        total_connections: hub.connections.size,
        connections_by_role: hub.countsByRole(),
        unique_users: hub.uniqueUsers(),
        heartbeat_active: opts.heartbeatActive(),
        heartbeat_interval: opts.heartbeatIntervalMs / 1000,
        metrics: {
          ...broadcastMetrics(hub),
          total_messages_received: hub.stats.totalMessagesReceived,
          total_dropped: hub.stats.totalDropped,
          heartbeat_timeouts: hub.stats.heartbeatTimeouts,
          slow_consumer_closes: hub.stats.slowConsumerCloses,
        },
        ...(isAdmin ? { connections_by_tenant: hub.countsByTenant() } : {}),
        unauthenticated_connections: unauthenticated,
        channels: hub.channelCount(),
        instance_id: opts.instanceId,
        bus: app.bus.kind,
        bus_health: app.bus.health(),
        uptime_seconds: (Date.now() - started) / 1000,
        ...(await clusterStats(app, isAdmin)),
      },
      timestamp: new Date().toISOString(),
    }
  })

  app.post<{ Body: TestBroadcastBody }>(
    '/ws/_test/broadcast',
    { schema: { body: TestBroadcastBodySchema, response: { 200: TestBroadcastResponseSchema } } },
    async (request, reply) => {
      if (opts.isProduction) return reply.code(403).send({ status: 'forbidden' })
      const body = request.body ?? {}
      let recipients = 0
      for (const c of app.hub.connections.values()) if (c.principal !== null && c.isOpen) recipients++
      await app.publisher.publish({
        type: 'notification',
        data: { title: body.title ?? 'BroadcastTest', content: body.content ?? 'Mensaje de prueba', level: body.level ?? 'info' },
        target: { kind: 'all' },
      })
      // with Redis every instance delivers it: add the other instances' connections (as of their last heartbeat)
      const { cluster } = app.hasDecorator('cluster') && app.cluster.redisRegistry !== undefined ? await clusterStats(app, false) : {}
      const others = (cluster?.instances ?? []).filter((i) => i.id !== opts.instanceId).reduce((n, i) => n + i.authenticated_connections, 0)
      return { status: 'ok' as const, sent: recipients + others, metrics: broadcastMetrics(app.hub) }
    },
  )
}

import Type from 'typebox'

/** Send counters, reference 002's shape. */
export const BroadcastMetricsSchema = Type.Object({
  total_messages_sent: Type.Integer(),
  total_broadcasts: Type.Integer(),
  total_send_errors: Type.Integer(),
  last_broadcast_at: Type.Union([Type.String(), Type.Null()]),
})
export type BroadcastMetrics = Type.Static<typeof BroadcastMetricsSchema>

const HealthSchema = Type.Union([Type.Literal('ok'), Type.Literal('degraded')])

/** One instance as it last reported itself to the cluster registry. */
export const ClusterInstanceSchema = Type.Object({
  id: Type.String(),
  connections: Type.Integer(),
  authenticated_connections: Type.Integer(),
  unique_users: Type.Integer(),
  connections_by_role: Type.Record(Type.String(), Type.Integer()),
  channels: Type.Integer(),
  bus_health: HealthSchema,
  started_at: Type.String(),
  heartbeat_at: Type.String(),
  /** Past this time without a renewal the instance counts as dead and its entries are removed. */
  lease_expires_at: Type.String(),
})
export type ClusterInstance = Type.Static<typeof ClusterInstanceSchema>

/**
 * The whole cluster, read from the registry (Redis) rather than by asking
 * every instance: `source` is `local` on a single instance without Redis.
 * Totals count users connected to several instances once.
 */
export const ClusterStatsSchema = Type.Object({
  source: Type.Union([Type.Literal('redis'), Type.Literal('local')]),
  instance_count: Type.Integer(),
  instances: Type.Array(ClusterInstanceSchema),
  total_connections: Type.Integer(),
  authenticated_connections: Type.Integer(),
  unique_users: Type.Integer(),
  connections_by_role: Type.Record(Type.String(), Type.Integer()),
  /** Only for callers presenting an admin token. */
  connections_by_tenant: Type.Optional(Type.Record(Type.String(), Type.Integer())),
})
export type ClusterStats = Type.Static<typeof ClusterStatsSchema>

/** `GET /ws/stats`: exactly reference 002's fields, plus a few more. */
export const StatsResponseSchema = Type.Object({
  status: Type.Literal('ok'),
  stats: Type.Object({
    total_connections: Type.Integer(),
    connections_by_role: Type.Record(Type.String(), Type.Integer()),
    unique_users: Type.Integer(),
    heartbeat_active: Type.Boolean(),
    /** Seconds, as in reference 002. */
    heartbeat_interval: Type.Number(),
    metrics: Type.Intersect([
      BroadcastMetricsSchema,
      Type.Object({
        total_messages_received: Type.Integer(),
        total_dropped: Type.Integer(),
        heartbeat_timeouts: Type.Integer(),
        slow_consumer_closes: Type.Integer(),
      }),
    ]),
    /** Only for callers presenting an admin token: tenant names are not public. */
    connections_by_tenant: Type.Optional(Type.Record(Type.String(), Type.Integer())),
    unauthenticated_connections: Type.Integer(),
    channels: Type.Integer(),
    instance_id: Type.String(),
    bus: Type.Union([Type.Literal('memory'), Type.Literal('redis')]),
    bus_health: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    uptime_seconds: Type.Number(),
    /** Every instance and cluster totals; absent while the registry cannot be read (Redis down). */
    cluster: Type.Optional(ClusterStatsSchema),
  }),
  timestamp: Type.String(),
})
export type StatsResponse = Type.Static<typeof StatsResponseSchema>

/** `POST /ws/_test/broadcast` body; every field optional (defaults apply). */
export const TestBroadcastBodySchema = Type.Union([
  Type.Object(
    {
      title: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      content: Type.Optional(Type.String({ maxLength: 4096 })),
      level: Type.Optional(
        Type.Union([Type.Literal('info'), Type.Literal('success'), Type.Literal('warning'), Type.Literal('error')]),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
])
export type TestBroadcastBody = Type.Static<typeof TestBroadcastBodySchema>

export const TestBroadcastResponseSchema = Type.Object({
  status: Type.Literal('ok'),
  sent: Type.Integer(),
  metrics: BroadcastMetricsSchema,
})

import Type from 'typebox'
import Value from 'typebox/value'

/**
 * Every environment variable the server reads, with its default. The README's
 * configuration table is written from this schema; keep the two in step.
 */
export const ConfigSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development', description: '`production` turns on the production guards (secret, origins) and turns off `_test/broadcast`.' }),
  HOST: Type.String({ default: '0.0.0.0', description: 'Address to listen on.' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'HTTP and WebSocket port.' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level.' },
  ),
  INSTANCE_ID: Type.String({ default: '', description: 'Name of this instance in stats, connection ids and the cluster registry; default host-pid-random. Give each instance of a cluster a stable one.' }),
  TRUST_PROXY: Type.Boolean({ default: false, description: 'Trust X-Forwarded-* (client IP behind a load balancer).' }),

  JWT_SECRET: Type.String({ default: '', description: 'HS* signing secret. Unset outside production: a development secret. Production: required, at least 32 characters.' }),
  JWT_PUBLIC_KEY: Type.String({ default: '', description: 'PEM public key for RS*/ES*/PS* tokens (instead of JWT_SECRET).' }),
  JWT_ALGORITHMS: Type.String({ default: 'HS256', description: 'Comma list of accepted algorithms, pinned (never mixing HS with asymmetric ones).' }),
  JWT_ISSUER: Type.String({ default: '', description: 'Required `iss`, when set.' }),
  JWT_AUDIENCE: Type.String({ default: '', description: 'Required `aud`, when set.' }),
  JWT_LEEWAY_SECONDS: Type.Integer({ minimum: 0, maximum: 300, default: 30, description: 'Clock leeway for `exp` and `nbf`, and how far in the future an `iat` may be.' }),
  ADMIN_ROLES: Type.String({ default: 'admin,ADMIN', description: 'Token roles that make a hub operator (all tenants, cross-tenant publish, system channels).' }),
  TENANT_ADMIN_ROLES: Type.String({ default: 'tenant-admin,TENANT_ADMIN', description: 'Token roles that make an administrator of the token\'s own tenant.' }),
  SERVICE_ROLES: Type.String({ default: 'service', description: 'Token roles of backends allowed to publish within their tenant.' }),

  AUTH_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000, description: 'A `/ws` socket that has not authenticated by then is closed with 4103.' }),
  HEARTBEAT_INTERVAL_MS: Type.Integer({ minimum: 50, default: 30_000, description: 'Server ping interval; a connection silent for a whole interval after a ping is closed with 4102.' }),
  MAX_FRAME_BYTES: Type.Integer({ minimum: 256, default: 65_536, description: 'Largest client frame; a bigger one closes the connection with 1009.' }),
  MAX_JSON_DEPTH: Type.Integer({ minimum: 2, maximum: 256, default: 32, description: 'Deepest nesting accepted in a client frame or an HTTP JSON body (TOO_DEEP past it).' }),
  WS_MAX_MESSAGES_PER_MINUTE: Type.Integer({ minimum: 1, default: 60, description: 'Client frames per connection per minute (pongs excluded); past it RATE_LIMITED errors.' }),
  MAX_INVALID_FRAMES: Type.Integer({ minimum: 1, default: 10, description: 'Invalid frames a connection may send before it is closed with 1008.' }),
  WS_MAX_CONNECTIONS_PER_IP_PER_MINUTE: Type.Integer({ minimum: 1, default: 120, description: 'WebSocket upgrades per client IP per minute; past it HTTP 429.' }),
  MAX_CONNECTIONS_PER_USER: Type.Integer({ minimum: 1, default: 50, description: 'Live connections per user (tenant and sub); past it close 4105. Cluster-wide with Redis.' }),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: Type.Integer({ minimum: 1, default: 128, description: 'Named channels one connection may join.' }),
  OUTBOUND_BUFFER_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'Unsent bytes allowed per connection; past it the slow consumer is closed with 4101 and counted.' }),
  DIRECT_SOCKET_WRITES: Type.Boolean({
    default: true,
    description:
      "Write a frame to the socket's descriptor in one native call when nothing is queued on it (Linux; the addon `npm install` builds, `npm run build:native` rebuilds). false, or without the addon: every write through Node's streams.",
  }),
  ALLOWED_ORIGINS: Type.String({ default: '', description: 'Comma list of browser Origins allowed to open WebSockets (empty or `*`: any). Required in production.' }),
  PUBLISH_MAX_BYTES: Type.Integer({ minimum: 1024, default: 262_144, description: 'Largest HTTP request body (publish and the other APIs).' }),

  EVENT_SCHEMAS_FILE: Type.String({ default: '', description: 'JSON file `{"<event type>": <JSON Schema of data>}` of operator event types added to the catalog at start-up.' }),
  HISTORY_CHANNELS: Type.String({ default: '', description: 'Channels that keep history for recovery, `pattern=size:ttlSeconds` comma-separated with `*` wildcards (e.g. `orders=100:300,tasks:*=500:3600`).' }),

  DATABASE_URL: Type.String({ default: '', description: 'PostgreSQL URL (`postgres://user:pass@host:5432/db`). Empty: embedded PGlite in DATA_DIR.' }),
  DATA_DIR: Type.String({ default: './data', description: 'Data directory; the embedded PGlite cluster lives in DATA_DIR/pglite (one process per directory, guarded by DATA_DIR/pglite.lock).' }),
  DATABASE_SCHEMA: Type.String({
    pattern: '^([a-z_][a-z0-9_]{0,62})?$',
    default: '',
    description: "PostgreSQL schema for Switchboard's tables (created by the migrations). Empty: the connection's default (`public`).",
  }),
  DATABASE_ENABLED: Type.Boolean({ default: true, description: 'false: no database at all (no connection registry, logs, notifications; history in memory).' }),
  MIGRATE_ON_START: Type.Boolean({ default: true, description: 'Apply pending migrations at start-up. false: only warn about them (`npm run migrate` applies them).' }),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 10, description: 'Most PostgreSQL connections the server opens.' }),
  HISTORY_STORE: Type.Union([Type.Literal('auto'), Type.Literal('memory'), Type.Literal('database'), Type.Literal('redis')], {
    default: 'auto',
    description:
      'Where channel history lives. auto: Redis Streams when REDIS_URL is set, else the database when DATABASE_ENABLED, else memory. With several instances use redis: it keeps every instance in offset order.',
  }),
  LOG_RETENTION_DAYS: Type.Integer({
    minimum: 1,
    default: 30,
    description: 'Days kept of websocket_log and service_log entries and of closed client connection rows (an hourly job deletes older ones).',
  }),
  MAX_NOTIFICATIONS_PER_USER: Type.Integer({ minimum: 1, maximum: 10_000, default: 100, description: 'Notifications kept per user and tenant; creating one more deletes the oldest.' }),
  WRITER_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 10_000, default: 500, description: 'Rows per database write of the batched writers (connection registry, logs).' }),
  WRITER_FLUSH_MS: Type.Integer({ minimum: 10, default: 1_000, description: 'How often the batched writers write what they hold (a full batch goes at once).' }),
  WRITER_MAX_BUFFER: Type.Integer({
    minimum: 1,
    default: 10_000,
    description: 'Rows each batched writer holds at most while the database is slow or down; beyond it rows are dropped and counted (switchboard_db_writer_dropped_total).',
  }),
  LOG_STREAM_LEVEL: Type.Union(['debug', 'info', 'warning', 'error'].map((l) => Type.Literal(l)), {
    default: 'warning',
    description: "Lowest level of the server's own log records that are stored (service_log) and streamed to admins on the `logs` channel.",
  }),
  LOG_STREAM_MAX_PER_SECOND: Type.Integer({
    minimum: 1,
    default: 200,
    description: '`log:*` events published per second at most; the excess is still stored, not streamed (counted in switchboard_log_stream_dropped_total).',
  }),
  DEVICE_CREDENTIALS_KEY: Type.String({
    default: '',
    description:
      'AES-256-GCM key sealing upstream (Shelly Cloud) credentials: 32 bytes as 64 hex characters or base64. Empty: a development key outside production; in production the development key is refused and, unset, no cloud account can be added or started.',
  }),
  DEVICE_AUTO_ADMIT: Type.Union([Type.Literal('auto'), Type.Literal('true'), Type.Literal('false')], {
    default: 'auto',
    description: 'Devices never seen before: admitted at once (true) or held for approval (false); auto = true outside production. Each tenant may override it (PUT /api/devices/settings).',
  }),
  DEVICE_HEARTBEAT_INTERVAL_MS: Type.Integer({
    minimum: 20,
    default: 30_000,
    description: 'A device (or Shelly Cloud socket) silent this long gets a WebSocket ping. Offline window: INTERVAL + TIMEOUT + one sweep tick.',
  }),
  DEVICE_HEARTBEAT_TIMEOUT_MS: Type.Integer({ minimum: 20, default: 10_000, description: 'After the ping, a device with no pong and no frame within this is offline and its socket cut.' }),
  DEVICE_COMMAND_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 5_000, description: 'How long a device command (Switch.Set, cloud relay) may take before DEVICE_TIMEOUT (504).' }),
  DEVICE_PUBLIC_URL: Type.String({ default: '', description: 'Scheme and host of enrolment URLs (`wss://hub.example.com`); empty: those of the request.' }),
  DEVICE_MAX_FRAMES_PER_MINUTE: Type.Integer({ minimum: 1, default: 600, description: 'Frames one device socket may send per minute; the excess is dropped and counted.' }),
  DEVICE_CONTROL_ROLES: Type.String({ default: 'device-operator', description: 'Roles (comma-separated) that may switch plugs, besides admin, tenant admins and service.' }),
  SHELLY_CLOUD_RECONNECT_INITIAL_MS: Type.Integer({ minimum: 10, default: 3_000, description: 'Shelly Cloud connector: first reconnect delay (exponential backoff, randomisation 0.5).' }),
  SHELLY_CLOUD_RECONNECT_MAX_MS: Type.Integer({ minimum: 10, default: 30_000, description: 'Shelly Cloud connector: longest reconnect delay.' }),
  REDIS_URL: Type.String({
    default: '',
    description:
      'Redis URL (`redis://[:password@]host:6379[/db]`). Set: several instances act as one (bus, history in Redis Streams, cluster registry, presence, cluster-wide limits). Empty: one instance, all in memory. Unreachable at start: the server starts degraded and keeps retrying.',
  }),
  REDIS_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9:_.{}-]{1,64}$',
    default: 'sb:',
    description: 'Prefix of every Redis key and pub/sub channel, so that several deployments (or test runs) can share one Redis. Instances of one cluster must use the same.',
  }),
  REDIS_COMMAND_TIMEOUT_MS: Type.Integer({
    minimum: 50,
    default: 1_000,
    description: 'A Redis command without a reply after this long fails: publishes answer 503 instead of hanging (nothing is queued while Redis is away).',
  }),
  REDIS_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 2_000, description: 'Longest wait for a Redis connection (and, at start-up, before the server goes on degraded).' }),
  CLUSTER_HEARTBEAT_MS: Type.Integer({ minimum: 20, default: 5_000, description: 'With Redis: how often each instance renews its lease and rewrites its entry in the cluster registry, and renews its Shelly Cloud account leases (picking up accounts added or freed elsewhere).' }),
  CLUSTER_LEASE_MS: Type.Integer({
    minimum: 60,
    default: 15_000,
    description: "With Redis: an instance whose lease was not renewed for this long is dead; a survivor removes its connections from the cluster view and presence, and closes its connection records; a Shelly Cloud account whose holder stopped renewing is taken over after as long. At least twice CLUSTER_HEARTBEAT_MS.",
  }),
  PRESENCE_CHANNELS: Type.String({
    default: '',
    description: 'Channel patterns with presence, comma-separated, `*` wildcards (`chat:*,lobby`): `presence:get` and `presence:join`/`presence:leave` pushes, cluster-wide. Empty: none.',
  }),
  REVOCATION_TTL_SECONDS: Type.Integer({
    minimum: 60,
    default: 86_400,
    description:
      'How long a revocation (user or tenant disconnect with `revokeTokens`) refuses the tokens issued before it. Make it at least the lifetime of your longest tokens.',
  }),
  PUBLISH_RATE_PER_TENANT: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'Events a tenant may publish per second through `POST /api/publish`, across all instances (429 past it). 0: unlimited.',
  }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 10_000, description: 'Graceful shutdown budget (sockets closed with 1001) before the process exits anyway.' }),
})

export type RawConfig = Type.Static<typeof ConfigSchema>

export interface Config extends RawConfig {
  isProduction: boolean
  allowedOrigins: string[] | '*'
  adminRoles: Set<string>
  tenantAdminRoles: Set<string>
  serviceRoles: Set<string>
  jwtAlgorithms: string[]
  /** DEVICE_AUTO_ADMIT resolved: `auto` is true outside production. */
  deviceAutoAdmit: boolean
  deviceControlRoles: Set<string>
}

/** The development secret; refused in production. */
export const DEV_JWT_SECRET = 'switchboard-dev-secret-do-not-use-in-production'

/** The development key for device credentials (64 hex characters); refused in production. */
export const DEV_DEVICE_CREDENTIALS_KEY = '5377697463686261726420646576206b657920646f206e6f74207573652121aa'

/** A 32-byte key written as 64 hex characters or base64 (url-safe accepted); null when it is neither. */
export function decodeKey(text: string): Buffer | null {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(text) ? Buffer.from(text, 'base64') : null
  return key !== null && key.length === 32 ? key : null
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)

/** Reads config from an env-like object; throws ConfigError with every problem listed. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known: Record<string, unknown> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const v = env[key]
    if (v !== undefined && v !== '') known[key] = v
  }
  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, known))
  if (!Value.Check(ConfigSchema, converted)) {
    const problems = Value.Errors(ConfigSchema, converted).map((e) => `${e.instancePath.slice(1) || '(root)'} ${e.message}`)
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
  }
  const raw = converted as RawConfig
  const isProduction = raw.NODE_ENV === 'production'
  const origins = list(raw.ALLOWED_ORIGINS)
  const jwtAlgorithms = list(raw.JWT_ALGORITHMS)
  const config: Config = {
    ...raw,
    isProduction,
    allowedOrigins: origins.length === 0 || origins.includes('*') ? '*' : origins,
    adminRoles: new Set(list(raw.ADMIN_ROLES)),
    tenantAdminRoles: new Set(list(raw.TENANT_ADMIN_ROLES)),
    serviceRoles: new Set(list(raw.SERVICE_ROLES)),
    jwtAlgorithms,
    deviceAutoAdmit: raw.DEVICE_AUTO_ADMIT === 'auto' ? !isProduction : raw.DEVICE_AUTO_ADMIT === 'true',
    deviceControlRoles: new Set(list(raw.DEVICE_CONTROL_ROLES)),
  }
  if (!config.JWT_SECRET && !config.JWT_PUBLIC_KEY && !isProduction) config.JWT_SECRET = DEV_JWT_SECRET

  const problems: string[] = []
  if (isProduction) {
    if (!config.JWT_SECRET && !config.JWT_PUBLIC_KEY) problems.push('JWT_SECRET (or JWT_PUBLIC_KEY) is required in production')
    if (config.JWT_SECRET === DEV_JWT_SECRET) problems.push('JWT_SECRET must not be the development secret')
    if (config.JWT_SECRET && config.JWT_SECRET.length < 32) problems.push('JWT_SECRET must be at least 32 characters')
    if (config.allowedOrigins === '*') problems.push('ALLOWED_ORIGINS must list the allowed origins in production')
    // unset in production: upstream credentials cannot be stored or used (the devices module answers 503)
    if (config.DEVICE_CREDENTIALS_KEY === DEV_DEVICE_CREDENTIALS_KEY) problems.push('DEVICE_CREDENTIALS_KEY must not be the development key')
  }
  for (const alg of jwtAlgorithms) {
    if (!/^(HS|RS|ES|PS)(256|384|512)$/.test(alg)) problems.push(`JWT_ALGORITHMS: unsupported algorithm ${alg}`)
  }
  if (jwtAlgorithms.length === 0) problems.push('JWT_ALGORITHMS must name at least one algorithm')
  const symmetric = jwtAlgorithms.some((a) => a.startsWith('HS'))
  const asymmetric = jwtAlgorithms.some((a) => !a.startsWith('HS'))
  if (symmetric && asymmetric) problems.push('JWT_ALGORITHMS must not mix HS* with RS/ES/PS algorithms')
  if (asymmetric && !config.JWT_PUBLIC_KEY) problems.push('JWT_PUBLIC_KEY is required for RS/ES/PS algorithms')
  if (symmetric && !config.JWT_SECRET) problems.push('JWT_SECRET is required for HS algorithms')
  if (config.DEVICE_CREDENTIALS_KEY && decodeKey(config.DEVICE_CREDENTIALS_KEY) === null) {
    problems.push('DEVICE_CREDENTIALS_KEY must be 32 bytes written as 64 hex characters or base64')
  }
  if (!config.DEVICE_CREDENTIALS_KEY && !isProduction) config.DEVICE_CREDENTIALS_KEY = DEV_DEVICE_CREDENTIALS_KEY
  if (config.HISTORY_STORE === 'database' && !config.DATABASE_ENABLED) problems.push('HISTORY_STORE=database needs DATABASE_ENABLED=true')
  if (config.HISTORY_STORE === 'redis' && !config.REDIS_URL) problems.push('HISTORY_STORE=redis needs REDIS_URL')
  if (config.CLUSTER_LEASE_MS < 2 * config.CLUSTER_HEARTBEAT_MS) problems.push('CLUSTER_LEASE_MS must be at least twice CLUSTER_HEARTBEAT_MS')
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
  return config
}

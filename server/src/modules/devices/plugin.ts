import { DEVICE_CLIENT_FRAME_SCHEMAS } from '@switchboard/shared'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { LocalLeases, RedisLeases } from '../../cluster/leases.ts'
import { decodeKey, type Config } from '../../config.ts'
import type { RedisBackend } from '../../redis/backend.ts'
import { writerMetrics } from '../../storage/batched-writer.ts'
import { CredentialCipher } from './cloud/credential-cipher.ts'
import { ShellyCloudManager, type UpstreamLogEntry } from './cloud/shelly-cloud-manager.ts'
import { DeviceClusterSync } from './cluster-sync.ts'
import { CommandRelay } from './commands/command-relay.ts'
import { DeviceCommands } from './commands/device-commands.ts'
import { DeviceMetrics } from './device-metrics.ts'
import { AdmissionPolicy } from './enrolment/admission-policy.ts'
import { EnrolmentTokens } from './enrolment/enrolment-tokens.ts'
import { cloudAccountRoutes } from './http/cloud-account-routes.ts'
import { deviceRoutes } from './http/device-routes.ts'
import { enrolmentRoutes } from './http/enrolment-routes.ts'
import { DEVICE_CLOSE_CODES } from './ingress/device-close-codes.ts'
import { DeviceIngress } from './ingress/device-ingress.ts'
import { SessionIndex } from './ingress/session-index.ts'
import { shellyGateway } from './ingress/shelly-gateway.ts'
import { OFFLINE_REASONS, OfflineManager } from './offline-manager.ts'
import { deviceSwitchHandler } from './socket-handlers.ts'
import type { Device } from './state/device.ts'
import { DeviceRegistry, type DeviceEvents } from './state/device-registry.ts'
import { CloudAccountRepository } from './storage/cloud-account.repository.ts'
import { EnrolmentRepository, TenantSettingsRepository } from './storage/enrolment.repository.ts'
import { MemoryCloudAccountStore, MemoryDeviceStore, MemoryEnrolmentStore, MemoryTenantSettingsStore, MemoryUpstreamStore } from './storage/memory-stores.ts'
import { OrmDeviceStore, OrmUpstreamStore } from './storage/orm-stores.ts'
import type { CloudAccountStore, DeviceStore, EnrolmentStore, TenantSettingsStore, UpstreamStore } from './storage/stores.ts'

/** The module's parts, for the admin console's wiring and for tests. */
export interface DevicesModule {
  registry: DeviceRegistry
  sessions: SessionIndex
  ingress: DeviceIngress
  offline: OfflineManager
  commands: DeviceCommands
  enrolment: EnrolmentTokens
  admission: AdmissionPolicy
  cloud: ShellyCloudManager
  store: DeviceStore
  upstream: UpstreamStore
}

declare module 'fastify' {
  interface FastifyInstance {
    devices: DevicesModule
  }
}

/** Devices awaiting approval one tenant may keep connected at once. */
const MAX_PENDING_SOCKETS_PER_TENANT = 100
/** Refused device upgrades (bad token) one address may make per minute. */
const FAILED_UPGRADES_PER_MINUTE = 30
/** How long shutdown waits for devices to finish the close handshake before cutting them. */
const SHUTDOWN_GRACE_MS = 1_000

/**
 * Shelly smart plugs in real time (issue 6): the `/shelly` ingress, the
 * device registry and offline manager, enrolment tokens and admission,
 * commands over HTTP and the client socket, and the Shelly Cloud connector.
 * With the database, state is persisted off the hot path and upstream
 * connections live in `websocket_connection` (type SHELLY); without it,
 * everything works in memory.
 */
async function devicesPlugin(app: FastifyInstance, opts: { config: Config; instanceId: string; redis: RedisBackend | undefined }) {
  const { config, instanceId, redis } = opts
  const log = app.log.child({ room: 'devices' })
  const withDb = app.hasDecorator('orm')

  let store: DeviceStore
  let upstream: UpstreamStore
  let enrolmentStore: EnrolmentStore
  let settingsStore: TenantSettingsStore
  let accountStore: CloudAccountStore
  if (withDb) {
    const settings = { batchSize: config.WRITER_BATCH_SIZE, flushMs: config.WRITER_FLUSH_MS, maxBuffer: config.WRITER_MAX_BUFFER, metrics: writerMetrics(app.metrics.registry), log }
    store = new OrmDeviceStore(app.orm, settings)
    upstream = new OrmUpstreamStore(app.orm, settings)
    enrolmentStore = new EnrolmentRepository(app.orm, (err) => log.debug({ err }, 'enrolment token last_used_at not recorded'))
    settingsStore = new TenantSettingsRepository(app.orm)
    accountStore = new CloudAccountRepository(app.orm)
  } else {
    store = new MemoryDeviceStore()
    upstream = new MemoryUpstreamStore()
    enrolmentStore = new MemoryEnrolmentStore()
    settingsStore = new MemoryTenantSettingsStore()
    accountStore = new MemoryCloudAccountStore()
  }

  const publish = (type: string, tenant: string, data: unknown) =>
    void app.publisher.publish({ type, data, target: { kind: 'tenant', tenant } }).catch((err: unknown) => log.warn({ err, type, tenant }, 'device event not published'))
  const events: DeviceEvents = {
    updated: (d) =>
      publish('device-update', d.tenant, {
        deviceId: d.id,
        online: d.online,
        relayOn: d.readings.relayOn,
        currentPower: d.readings.currentPower,
        voltage: d.readings.voltage,
        current: d.readings.current,
        temperature: d.readings.temperature,
        totalEnergy: d.readings.totalEnergy,
        lastSeenAt: d.lastSeenAt?.toISOString() ?? null,
      }),
    wentOffline: (d, reason) =>
      publish('device-offline-status', d.tenant, {
        deviceId: d.id,
        online: false,
        relayOn: false,
        currentPower: 0,
        reason,
        lastSeenAt: d.lastSeenAt?.toISOString() ?? null,
      }),
    assignmentChanged: (d) =>
      publish('smart-plug-assignment-updated', d.tenant, {
        deviceId: d.id,
        equipmentId: d.equipmentId,
        equipmentName: d.equipmentName,
        appointmentOnlyMode: d.appointmentOnlyMode,
      }),
    // the other instances' copies follow (cluster-sync.ts; alone, nothing is sent)
    settingsChanged: (d) => sync.settingsChanged(d),
    stateChanged: (d) => sync.stateChanged(d),
  }

  const admission = new AdmissionPolicy(settingsStore, config.deviceAutoAdmit)
  const registry = new DeviceRegistry({ store, events, autoAdmit: (tenant) => admission.autoAdmit(tenant) })
  await admission.load()
  const loaded = await registry.load()
  const sessions = new SessionIndex()
  const enrolment = new EnrolmentTokens(enrolmentStore)
  const sync: DeviceClusterSync = new DeviceClusterSync({ bus: app.bus, instanceId, registry, sessions, enrolment, ingress: () => ingress!, commands: () => commands, log })
  app.bus.onMessage(sync.onMessage)
  let cloud: ShellyCloudManager | undefined
  const metrics = new DeviceMetrics(app.metrics.registry, {
    devices: () => countDevices(registry.all()),
    sockets: () => sessions.size,
    upstreams: () => cloud?.statusCounts() ?? {},
  })
  let ingress: DeviceIngress | undefined
  const offline = new OfflineManager({
    registry,
    sessions,
    intervalMs: config.DEVICE_HEARTBEAT_INTERVAL_MS,
    timeoutMs: config.DEVICE_HEARTBEAT_TIMEOUT_MS,
    onHeartbeatTimeout: (s) => ingress?.heartbeatTimedOut(s),
    onAnonymous: (s) => ingress?.anonymous(s),
  })
  ingress = new DeviceIngress({
    registry,
    sessions,
    offline,
    metrics,
    log,
    maxJsonDepth: config.MAX_JSON_DEPTH,
    framesPerMinute: config.DEVICE_MAX_FRAMES_PER_MINUTE,
    commandTimeoutMs: config.DEVICE_COMMAND_TIMEOUT_MS,
    maxPendingPerTenant: MAX_PENDING_SOCKETS_PER_TENANT,
    // several instances: a device that reconnects to another one before its old socket here is seen dead
    identified: (deviceId) => sync.identified(deviceId),
  })

  const logEvent = (entry: UpstreamLogEntry) => {
    if (app.hasDecorator('websocketLog')) app.websocketLog.record({ ...entry, createdAt: new Date().toISOString() })
    else log[entry.level === 'info' ? 'info' : 'warn']({ connectionId: entry.connectionId, tenant: entry.tenant, ...entry.metadata }, entry.message)
  }
  const key = config.DEVICE_CREDENTIALS_KEY ? decodeKey(config.DEVICE_CREDENTIALS_KEY) : null
  cloud = new ShellyCloudManager({
    accounts: accountStore,
    upstream,
    cipher: new CredentialCipher(key),
    registry,
    offline,
    metrics,
    log,
    logEvent,
    // one instance per account: two connections would report every device twice
    leases: redis ? new RedisLeases({ redis: redis.bus.commands, keys: redis.keys, instanceId, ttlMs: config.CLUSTER_LEASE_MS }) : new LocalLeases(),
    refreshMs: redis ? config.CLUSTER_HEARTBEAT_MS : 0,
    forward: (connectionId, action) => app.bus.publish({ kind: 'upstream-action', origin: instanceId, connectionId, action }),
    settings: {
      backoff: { initialDelayMs: config.SHELLY_CLOUD_RECONNECT_INITIAL_MS, maxDelayMs: Math.max(config.SHELLY_CLOUD_RECONNECT_MAX_MS, config.SHELLY_CLOUD_RECONNECT_INITIAL_MS) },
      heartbeat: { intervalMs: config.DEVICE_HEARTBEAT_INTERVAL_MS, timeoutMs: config.DEVICE_HEARTBEAT_TIMEOUT_MS },
      maxPayload: Math.max(config.MAX_FRAME_BYTES, 1_048_576),
      maxJsonDepth: config.MAX_JSON_DEPTH,
    },
  })
  const cloudManager = cloud
  app.bus.onMessage((m) => {
    if (m.kind === 'upstream-action' && m.origin !== instanceId) {
      cloudManager.forwarded(m.connectionId, m.action).catch((err: unknown) => log.warn({ err, connectionId: m.connectionId }, 'forwarded action failed'))
    }
  })
  if (app.hasDecorator('connectionActions')) app.connectionActions.registerUpstream('SHELLY', cloudManager)

  const commands = new DeviceCommands({ sessions, cloud: () => cloudManager, timeoutMs: config.DEVICE_COMMAND_TIMEOUT_MS, metrics })
  // several instances: a command for a device served by another one is relayed to it over the bus
  const instances = app.hasDecorator('cluster') ? app.cluster.redisRegistry : undefined
  let relay: CommandRelay | undefined
  if (app.bus.kind !== 'memory' && instances !== undefined) {
    relay = new CommandRelay({
      bus: app.bus,
      instanceId,
      liveInstances: () => instances.liveInstances(),
      serve: async (deviceId, channel, on) => {
        const device = registry.get(deviceId)
        return device === undefined ? null : commands.switchHere(device, channel, on)
      },
      timeoutMs: config.DEVICE_COMMAND_TIMEOUT_MS,
      log,
    })
    commands.relay = relay
    app.bus.onMessage(relay.onMessage)
  }
  // a dead instance cannot say its devices went offline: the survivor that cleans up after it does
  if (app.hasDecorator('cluster')) app.cluster.onInstanceLost((dead) => void sync.instanceLost(dead))
  app.dispatcher.register('device:switch', DEVICE_CLIENT_FRAME_SCHEMAS['device:switch'], deviceSwitchHandler({ registry, commands, controlRoles: config.deviceControlRoles }))

  app.decorate('devices', { registry, sessions, ingress, offline, commands, enrolment, admission, cloud: cloudManager, store, upstream } satisfies DevicesModule)

  await app.register(shellyGateway, { ingress, enrolment, metrics, failedUpgradesPerMinute: FAILED_UPGRADES_PER_MINUTE })
  await app.register(deviceRoutes, { registry, sessions, ingress, commands, admission, controlRoles: config.deviceControlRoles })
  await app.register(enrolmentRoutes, { tokens: enrolment, sessions, ingress, publicUrl: config.DEVICE_PUBLIC_URL, revoked: (tokenId) => sync.tokenRevoked(tokenId) })
  await app.register(cloudAccountRoutes, { cloud: cloudManager })

  app.addHook('onReady', async () => {
    offline.start()
    // connectors connect in the background: readiness never waits on Shelly Cloud
    void cloudManager.startAll().catch((err: unknown) => log.error({ err }, 'Shelly Cloud accounts could not be started'))
    log.info({ devices: loaded, database: withDb, heartbeatWindowMs: offline.windowMs }, 'devices ready')
  })

  app.addHook('preClose', async () => {
    relay?.close()
    offline.stop()
    const open = [...sessions.all]
    // the devices this instance serves (with several instances, the others' devices are not ours to mark)
    const served = open.flatMap((s) => (s.device !== undefined && sessions.current(s.device.id) === s ? [s.device] : []))
    for (const s of open) {
      s.end(OFFLINE_REASONS.shutdown)
      sessions.remove(s)
    }
    // one bulk update for every device this instance served, then the sockets go
    registry.markOfflineMany(served, OFFLINE_REASONS.shutdown)
    for (const s of open) s.link.close(DEVICE_CLOSE_CODES.GOING_AWAY, 'server shutting down')
    await cloudManager.stopAll()
    const deadline = Date.now() + SHUTDOWN_GRACE_MS
    while (open.some((s) => !s.link.isClosed()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    for (const s of open) if (!s.link.isClosed()) s.link.terminate()
  })

  app.addHook('onClose', async () => {
    await store.close()
    await upstream.close()
  })
}

function countDevices(devices: Iterable<Device>): { online: number; offline: number; pending: number } {
  const c = { online: 0, offline: 0, pending: 0 }
  for (const d of devices) {
    if (d.approval === 'pending') c.pending++
    else if (d.online) c.online++
    else c.offline++
  }
  return c
}

export default fp(devicesPlugin, {
  name: 'switchboard-devices',
  fastify: '5.x',
  dependencies: ['switchboard-realtime', 'switchboard-auth', 'switchboard-metrics'],
})

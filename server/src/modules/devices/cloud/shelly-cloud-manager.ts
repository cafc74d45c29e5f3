import { randomBytes } from 'node:crypto'
import type { CloudAccountRecord, ConnectionAction } from '@switchboard/shared'
import type { FastifyBaseLogger } from 'fastify'
import type { ConnectionStatus, WebsocketConnection } from '../../connections/connection.entity.ts'
import type { UpstreamControl } from '../../connections/connection-actions.ts'
import type { DeviceMetrics } from '../device-metrics.ts'
import type { CallOutcome } from '../ingress/pending-calls.ts'
import { OFFLINE_REASONS, type OfflineManager } from '../offline-manager.ts'
import type { Device } from '../state/device.ts'
import type { DeviceRegistry } from '../state/device-registry.ts'
import type { CloudAccountRow, CloudAccountStore, UpstreamSnapshot, UpstreamStore } from '../storage/stores.ts'
import { cloudSocketUrl, type CloudDeviceRef } from './cloud-frames.ts'
import { credentialContext, CredentialKeyMissingError, type CredentialCipher } from './credential-cipher.ts'
import { ShellyCloudConnector } from './shelly-cloud-connector.ts'

/** A connection event for `websocket_log` (connect, disconnect, error); never the token. */
export interface UpstreamLogEntry {
  connectionId: string
  tenant: string
  eventType: 'connect' | 'disconnect' | 'error'
  level: 'info' | 'warning' | 'error'
  message: string
  metadata: Record<string, unknown>
}

export interface CloudManagerOptions {
  accounts: CloudAccountStore
  upstream: UpstreamStore
  cipher: CredentialCipher
  registry: DeviceRegistry
  offline: OfflineManager
  metrics: DeviceMetrics
  log: FastifyBaseLogger
  logEvent(entry: UpstreamLogEntry): void
  settings: {
    backoff: { initialDelayMs: number; maxDelayMs: number }
    heartbeat: { intervalMs: number; timeoutMs: number }
    maxPayload: number
    maxJsonDepth: number
  }
}

interface Running {
  account: CloudAccountRow
  connectionId: string
  connector: ShellyCloudConnector
}

/** The `websocket_connection` id of an account's connection. */
export const upstreamConnectionId = (accountId: string): string => `shelly-${accountId}`

/**
 * Reference 000's Shelly WebSocket manager, one connector per cloud account:
 * starts them at boot (unless an operator stopped them), turns their events
 * into device reports, marks every device of a lost connection offline at
 * once, and carries out the control route's start/stop/restart for rows of
 * type SHELLY.
 */
export class ShellyCloudManager implements UpstreamControl {
  readonly #o: CloudManagerOptions
  readonly #running = new Map<string, Running>()

  constructor(opts: CloudManagerOptions) {
    this.#o = opts
  }

  /** Boot: every stored account gets its connector; those with auto_reconnect on are started. */
  async startAll(): Promise<void> {
    const accounts = await this.#o.accounts.list()
    for (const account of accounts) {
      const r = this.#add(account)
      if (r === undefined) {
        this.#o.upstream.record(unusable(account))
        continue
      }
      await this.#o.upstream.ensure(this.#snapshot(r), true)
      // nothing is connected at boot, whatever the previous run left in the row
      this.#o.upstream.record(this.#snapshot(r))
      // each account's first attempt runs in the background: boot does not wait on Shelly Cloud
      void this.#o.upstream.autoReconnect(r.connectionId).then(
        (auto) => (auto === false ? undefined : r.connector.start()),
        (err: unknown) => this.#o.log.warn({ err, connectionId: r.connectionId }, 'could not read auto_reconnect at start-up'),
      )
    }
  }

  /** False in production without DEVICE_CREDENTIALS_KEY: no account can be added or started. */
  get credentialsAvailable(): boolean {
    return this.#o.cipher.available
  }

  async create(input: { tenant: string; name: string; host: string; accessToken: string; autoReconnect: boolean; createdBy: string }): Promise<CloudAccountRecord> {
    if (!this.#o.cipher.available) throw new CredentialKeyMissingError()
    const id = `sca_${randomBytes(9).toString('base64url')}`
    const account: CloudAccountRow = {
      id,
      tenant: input.tenant,
      name: input.name,
      host: input.host,
      sealedToken: this.#o.cipher.seal(input.accessToken, credentialContext(id, input.tenant)),
      createdBy: input.createdBy.slice(0, 128),
      createdAt: new Date(),
    }
    await this.#o.accounts.create(account)
    const r = this.#add(account)!
    await this.#o.upstream.ensure(this.#snapshot(r), input.autoReconnect)
    if (input.autoReconnect) await r.connector.start()
    return this.#record(r, input.autoReconnect)
  }

  async remove(accountId: string): Promise<boolean> {
    const r = this.#running.get(accountId)
    if (r === undefined) return false
    await r.connector.stop()
    this.#running.delete(accountId)
    await this.#o.upstream.remove(r.connectionId)
    await this.#o.accounts.delete(accountId)
    return true
  }

  account(accountId: string): CloudAccountRow | undefined {
    return this.#running.get(accountId)?.account
  }

  async list(tenant: string | undefined): Promise<CloudAccountRecord[]> {
    const out: CloudAccountRecord[] = []
    for (const r of this.#running.values()) {
      if (tenant !== undefined && r.account.tenant !== tenant) continue
      const auto = await this.#o.upstream.autoReconnect(r.connectionId).catch(() => undefined)
      out.push(this.#record(r, auto ?? r.connector.running))
    }
    return out
  }

  /** The control route's actions for SHELLY rows (auto_reconnect is already stored by the route). */
  async apply(action: Exclude<ConnectionAction, 'toggle-reconnect'>, row: WebsocketConnection): Promise<ConnectionStatus> {
    const r = this.#running.get(row.referenceId)
    if (r === undefined) return row.status
    if (action === 'stop' || action === 'restart') await r.connector.stop()
    if (action === 'start' || action === 'restart') return r.connector.start()
    return r.connector.status
  }

  /** Relay command through the cloud for a device that came from it. */
  relay(device: Device, channel: number, on: boolean, timeoutMs: number): Promise<CallOutcome<unknown>> {
    const r = [...this.#running.values()].find((x) => x.connectionId === device.upstreamId)
    if (r === undefined) return Promise.resolve({ ok: false, code: 'DEVICE_OFFLINE', message: 'its Shelly Cloud connection is not run by this instance' })
    return r.connector.relay(device.externalId, channel, on, timeoutMs)
  }

  statusCounts(): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const r of this.#running.values()) counts[r.connector.status] = (counts[r.connector.status] ?? 0) + 1
    return counts
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#running.values()].map((r) => r.connector.stop()))
  }

  #add(account: CloudAccountRow): Running | undefined {
    const token = this.#o.cipher.open(account.sealedToken, credentialContext(account.id, account.tenant))
    const connectionId = upstreamConnectionId(account.id)
    if (token === null) {
      this.#o.log.error({ accountId: account.id, tenant: account.tenant }, 'Shelly Cloud credentials cannot be opened (missing or different DEVICE_CREDENTIALS_KEY); account not started')
      return undefined
    }
    const { registry, offline, metrics, log } = this.#o
    const tenant = account.tenant
    const connLog = log.child({ connectionId, tenant })
    const deviceOf = (ref: CloudDeviceRef): Device | undefined => {
      const d = registry.findOrCreate({ tenant, source: 'cloud', externalId: ref.id, upstreamId: connectionId })
      if (d.approval === 'rejected') return undefined
      if (ref.generation !== undefined || ref.code !== undefined) registry.describe(d, { model: ref.code, generation: ref.generation })
      return d
    }
    let r: Running
    const connector = new ShellyCloudConnector({
      url: cloudSocketUrl(account.host, token),
      backoff: this.#o.settings.backoff,
      heartbeat: this.#o.settings.heartbeat,
      maxPayload: this.#o.settings.maxPayload,
      maxJsonDepth: this.#o.settings.maxJsonDepth,
      log: connLog,
      shouldReconnect: async () => (await this.#o.upstream.autoReconnect(connectionId)) === true,
      events: {
        status: (ref, status) => {
          metrics.upstreamEvents.inc({ event: 'status' })
          const d = deviceOf(ref)
          if (d) registry.report(d, { kind: 'delta', components: status, at: new Date() })
        },
        online: (ref, online) => {
          metrics.upstreamEvents.inc({ event: 'online' })
          const d = deviceOf(ref)
          if (d === undefined) return
          if (online) registry.reportOnline(d, new Date())
          else registry.markOffline(d, OFFLINE_REASONS.upstreamReport)
        },
        lost: (reason) => {
          const gone = offline.upstreamLost(connectionId)
          connLog.warn({ reason, devices: gone.length }, 'Shelly Cloud connection lost: its devices are offline')
        },
        changed: (event) => {
          metrics.upstreamEvents.inc({ event })
          this.#o.upstream.record(this.#snapshot(r))
          if (event === 'ping') return
          const c = r.connector
          this.#o.logEvent({
            connectionId,
            tenant,
            eventType: event === 'open' ? 'connect' : event === 'close' ? 'disconnect' : 'error',
            level: event === 'open' ? 'info' : c.status === 'error' ? 'error' : 'warning',
            message: `Shelly Cloud ${c.status}${c.errorMessage ? `: ${c.errorMessage}` : ''}`.slice(0, 1024),
            metadata: { status: c.status, account: account.name },
          })
        },
        malformed: (detail) => {
          metrics.upstreamEvents.inc({ event: 'malformed' })
          connLog.debug({ detail }, 'unreadable Shelly Cloud frame ignored')
        },
      },
    })
    r = { account, connectionId, connector }
    this.#running.set(account.id, r)
    return r
  }

  #snapshot(r: Running): UpstreamSnapshot {
    const c = r.connector
    const devices = [...this.#o.registry.all()].filter((d) => d.upstreamId === r.connectionId).length
    return {
      id: r.connectionId,
      referenceId: r.account.id,
      tenant: r.account.tenant,
      status: c.status,
      lastPingAt: c.lastPingAt?.toISOString() ?? null,
      errorMessage: c.errorMessage,
      metadata: { name: r.account.name, host: displayHost(r.account.host), devices },
      connectedAt: c.connectedAt?.toISOString() ?? null,
      disconnectedAt: c.disconnectedAt?.toISOString() ?? null,
      updatedAt: new Date().toISOString(),
    }
  }

  #record(r: Running, autoReconnect: boolean): CloudAccountRecord {
    const c = r.connector
    return {
      id: r.account.id,
      tenant: r.account.tenant,
      name: r.account.name,
      host: displayHost(r.account.host),
      connectionId: r.connectionId,
      status: c.status,
      autoReconnect,
      lastPingAt: c.lastPingAt?.toISOString() ?? null,
      errorMessage: c.errorMessage,
      devices: [...this.#o.registry.all()].filter((d) => d.upstreamId === r.connectionId).length,
      createdAt: r.account.createdAt.toISOString(),
    }
  }
}

/** The row of an account whose credentials cannot be opened (missing or different DEVICE_CREDENTIALS_KEY). */
function unusable(account: CloudAccountRow): UpstreamSnapshot {
  const now = new Date().toISOString()
  return {
    id: upstreamConnectionId(account.id),
    referenceId: account.id,
    tenant: account.tenant,
    status: 'error',
    lastPingAt: null,
    errorMessage: 'credentials cannot be opened: DEVICE_CREDENTIALS_KEY is missing or not the key they were sealed with',
    metadata: { name: account.name, host: displayHost(account.host), devices: 0 },
    connectedAt: null,
    disconnectedAt: now,
    updatedAt: now,
  }
}

/** A host as shown to operators: never a query string (a token could hide there). */
function displayHost(host: string): string {
  const q = host.indexOf('?')
  return (q === -1 ? host : host.slice(0, q)).slice(0, 512)
}

import { randomBytes } from 'node:crypto'
import type { CloudAccountRecord, ConnectionAction } from '@switchboard/shared'
import type { FastifyBaseLogger } from 'fastify'
import type { UpstreamAction } from '../../../bus/cluster-message.ts'
import type { Leases } from '../../../cluster/leases.ts'
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
import { SingleFlight } from '../../../single-flight.ts'

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
  /** One instance runs each account's connection (cluster/leases.ts); LocalLeases without Redis. */
  leases: Leases
  /** How often leases are renewed and accounts added or removed elsewhere are picked up (CLUSTER_HEARTBEAT_MS); 0 alone (no other instance). */
  refreshMs: number
  /** Sends an operator's action to the instance that runs the connection (over the bus). */
  forward(connectionId: string, action: UpstreamAction): Promise<void>
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
  /** This instance holds the account's lease: its connector is the one that runs. */
  owned: boolean
}

/** The `websocket_connection` id of an account's connection. */
export const upstreamConnectionId = (accountId: string): string => `shelly-${accountId}`

/** The lease that makes one instance of a cluster the one connected to an account. */
export const accountLease = (accountId: string): string => `shelly-cloud:${accountId}`

/**
 * Reference 000's Shelly WebSocket manager, one connector per cloud account:
 * starts them at boot (unless an operator stopped them), turns their events
 * into device reports, marks every device of a lost connection offline at
 * once, and carries out the control route's start/stop/restart for rows of
 * type SHELLY.
 *
 * With several instances every one knows every account (the list is reloaded
 * every `refreshMs`), but only the holder of an account's lease connects to
 * it: two connections would report every device twice and send commands
 * twice. A clean stop gives the lease up and another instance takes the
 * account over at its next refresh; after a crash, once the lease expires.
 * The holder is also the one that writes the account's `websocket_connection`
 * row; an operator's action taken on another instance is forwarded to it.
 */
export class ShellyCloudManager implements UpstreamControl {
  readonly #o: CloudManagerOptions
  readonly #running = new Map<string, Running>()
  /** Accounts whose credentials cannot be opened here: reported once, not retried every refresh. */
  readonly #unusable = new Set<string>()
  #timer: NodeJS.Timeout | undefined
  #renewTimer: NodeJS.Timeout | undefined
  readonly #refreshing = new SingleFlight()
  readonly #renewing = new SingleFlight()
  #stopped = false

  constructor(opts: CloudManagerOptions) {
    this.#o = opts
  }

  /** Boot: every stored account gets its connector; those with auto_reconnect on whose lease this instance gets are started. */
  async startAll(): Promise<void> {
    await this.refresh()
    if (this.#o.refreshMs <= 0) return
    this.#timer = setInterval(() => void this.refresh(), this.#o.refreshMs)
    this.#timer.unref()
    // held leases are renewed on a timer of their own: a refresh waits on the database, which may be
    // slow or down, and a lease that lapsed meanwhile would let another instance run the account too
    this.#renewTimer = setInterval(() => void this.renewHeld(), this.#o.refreshMs)
    this.#renewTimer.unref()
  }

  /**
   * Renews the leases of the accounts this instance runs; a lease lost (taken
   * by another instance, or Redis unreachable past its time) stops the
   * connection. Never rejects.
   */
  renewHeld(): Promise<void> {
    return this.#renewing.run(
      () => this.#renewHeld(),
      (err) => this.#o.log.warn({ err }, 'Shelly Cloud account leases not renewed'),
    )
  }

  async #renewHeld(): Promise<void> {
    if (this.#stopped) return
    const owned = [...this.#running.values()].filter((r) => r.owned)
    const lost = new Set(await this.#o.leases.renew(owned.map((r) => accountLease(r.account.id))))
    for (const r of owned) {
      if (!lost.has(accountLease(r.account.id)) || !r.owned) continue
      this.#o.log.warn({ connectionId: r.connectionId }, 'Shelly Cloud account lease lost (another instance runs it now): connection stopped')
      r.owned = false
      await r.connector.stop()
    }
  }

  /**
   * Accounts added or removed on other instances are picked up, leases held
   * are renewed (a lost one stops its connection: another instance has it),
   * and accounts no instance runs are taken. Never rejects.
   */
  refresh(): Promise<void> {
    return this.#refreshing.run(
      () => this.#refresh(),
      (err) => this.#o.log.warn({ err }, 'Shelly Cloud accounts not refreshed'),
    )
  }

  async #refresh(): Promise<void> {
    if (this.#stopped) return
    const accounts = await this.#o.accounts.list()
    const present = new Set<string>()
    const fresh = new Set<Running>()
    for (const account of accounts) {
      present.add(account.id)
      if (this.#running.has(account.id) || this.#unusable.has(account.id)) continue
      const r = this.#add(account)
      if (r !== undefined) fresh.add(r)
      else {
        this.#unusable.add(account.id)
        this.#o.upstream.record(unusable(account))
      }
    }
    // deleted on another instance
    for (const r of [...this.#running.values()]) {
      if (present.has(r.account.id)) continue
      this.#running.delete(r.account.id)
      // its row is gone with it: nothing more is written
      const held = r.owned
      r.owned = false
      await r.connector.stop()
      if (held) await this.#o.leases.release(accountLease(r.account.id))
    }
    await this.renewHeld()
    for (const r of this.#running.values()) if (!r.owned && !this.#stopped) await this.#claim(r, false, fresh.has(r))
  }

  /**
   * Takes the account's lease and starts its connection (unless auto_reconnect
   * is off and this is not an operator's start). False when another instance
   * runs it.
   */
  async #claim(r: Running, operator: boolean, firstSight = false): Promise<boolean> {
    if (!operator && (await this.#o.upstream.stored(r.connectionId))?.autoReconnect === false) {
      if (firstSight) await this.#correctStoppedRow(r)
      return false
    }
    if (!(await this.#o.leases.acquire(accountLease(r.account.id)))) return false
    r.owned = true
    try {
      await this.#o.upstream.ensure(this.#snapshot(r), true)
      // nothing is connected yet, whatever a previous holder left in the row
      this.#o.upstream.record(this.#snapshot(r))
    } catch (err) {
      this.#o.log.warn({ err, connectionId: r.connectionId }, 'Shelly Cloud connection row not written')
    }
    if (!operator) void r.connector.start() // in the background: boot does not wait on Shelly Cloud
    return true
  }

  /**
   * An account an operator stopped: its row may still say "connected" (a
   * crash, a previous run). Written as disconnected only while no instance
   * runs it (with auto_reconnect off, one still may: toggled off while up).
   */
  async #correctStoppedRow(r: Running): Promise<void> {
    const lease = accountLease(r.account.id)
    if (!(await this.#o.leases.acquire(lease))) return
    this.#o.upstream.record(this.#snapshot(r))
    await this.#o.leases.release(lease)
  }

  /** Stops this instance's connection to the account, if it runs it, and gives the lease up. */
  async #letGo(r: Running): Promise<void> {
    if (!r.owned) return
    await r.connector.stop()
    r.owned = false
    await this.#o.leases.release(accountLease(r.account.id))
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
    // the lease first: another instance that sees the new account must not connect to it too
    const owned = input.autoReconnect && (await this.#o.leases.acquire(accountLease(id)))
    await this.#o.accounts.create(account)
    const r = this.#add(account)!
    r.owned = owned
    await this.#o.upstream.ensure(this.#snapshot(r), input.autoReconnect)
    if (owned) await r.connector.start()
    return this.#record(r, input.autoReconnect)
  }

  async remove(accountId: string): Promise<boolean> {
    const r = this.#running.get(accountId)
    if (r === undefined) return false
    this.#running.delete(accountId)
    await this.#letGo(r)
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
      const stored = await this.#o.upstream.stored(r.connectionId).catch(() => undefined)
      // another instance's connection: as its holder last wrote it
      out.push(this.#record(r, stored?.autoReconnect ?? r.connector.running, r.owned ? undefined : stored?.status))
    }
    return out
  }

  /**
   * The control route's actions for SHELLY rows (auto_reconnect is already
   * stored by the route). A start or restart of an account no instance runs
   * takes it here; an action on an account another instance runs is
   * forwarded to that instance, and the row's status (as it last wrote it)
   * is the answer.
   */
  async apply(action: Exclude<ConnectionAction, 'toggle-reconnect'>, row: WebsocketConnection): Promise<ConnectionStatus> {
    const r = this.#running.get(row.referenceId)
    if (r === undefined) return row.status
    if (r.owned) return this.#applyHere(r, action)
    if (action !== 'stop' && (await this.#claim(r, true))) return r.connector.start()
    await this.#o.forward(r.connectionId, action)
    return row.status
  }

  /** An action forwarded by another instance: carried out if this instance runs the connection. */
  async forwarded(connectionId: string, action: UpstreamAction): Promise<void> {
    const r = this.#byConnection(connectionId)
    if (r === undefined || !r.owned) return
    this.#o.log.info({ connectionId, action }, 'operator action forwarded by another instance')
    await this.#applyHere(r, action)
  }

  async #applyHere(r: Running, action: UpstreamAction): Promise<ConnectionStatus> {
    if (action === 'stop') {
      await this.#letGo(r)
      return r.connector.status
    }
    if (action === 'restart') await r.connector.stop()
    return r.connector.start()
  }

  /** Whether this instance runs the cloud connection the device came from. */
  serves(device: Device): boolean {
    return this.#byConnection(device.upstreamId)?.owned === true
  }

  #byConnection(connectionId: string | null): Running | undefined {
    for (const r of this.#running.values()) if (r.connectionId === connectionId) return r
    return undefined
  }

  /** Relay command through the cloud for a device that came from it. */
  relay(device: Device, channel: number, on: boolean, timeoutMs: number): Promise<CallOutcome<unknown>> {
    const r = this.#byConnection(device.upstreamId)
    if (r === undefined || !r.owned) return Promise.resolve({ ok: false, code: 'DEVICE_OFFLINE', message: 'its Shelly Cloud connection is not run by this instance' })
    return r.connector.relay(device.externalId, channel, on, timeoutMs)
  }

  statusCounts(): Record<string, number> {
    const counts: Record<string, number> = {}
    // the connections this instance runs; the others' accounts are another instance's to count
    for (const r of this.#running.values()) if (r.owned) counts[r.connector.status] = (counts[r.connector.status] ?? 0) + 1
    return counts
  }

  /** Shutdown: connections closed and leases given up, so another instance takes the accounts over at once. */
  async stopAll(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    clearInterval(this.#renewTimer)
    await this.#refreshing.current
    await this.#renewing.current
    await Promise.all([...this.#running.values()].map((r) => (r.owned ? this.#letGo(r) : r.connector.stop())))
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
      shouldReconnect: async () => (await this.#o.upstream.stored(connectionId))?.autoReconnect === true,
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
          // the row is the holder's to write (a connector stopped after losing its lease stays quiet)
          if (!r.owned) return
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
    r = { account, connectionId, connector, owned: false }
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

  #record(r: Running, autoReconnect: boolean, status: ConnectionStatus = r.connector.status): CloudAccountRecord {
    const c = r.connector
    return {
      id: r.account.id,
      tenant: r.account.tenant,
      name: r.account.name,
      host: displayHost(r.account.host),
      connectionId: r.connectionId,
      status,
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

import type { ConnectionStatus } from '../../connections/connection.entity.ts'
import type { DeviceSnapshot } from '../state/device.ts'

/**
 * What the devices module keeps, behind interfaces with two implementations:
 * the ORM (PGlite or PostgreSQL) and memory (DATABASE_ENABLED=false: devices
 * still work, nothing survives a restart).
 */

/** Every device of an upstream connection went offline at once: one statement, whatever the count. */
export interface BulkOffline {
  ids: string[]
  at: string
  /** Applied only to rows whose state is older (see Device.seq). */
  seq: number
}

export interface DeviceStore {
  loadAll(): Promise<DeviceSnapshot[]>
  /** Batched and coalesced per device; never waits, never throws. */
  writeState(snapshot: DeviceSnapshot): void
  /** Batched; one UPDATE for every id. */
  writeOffline(bulk: BulkOffline): void
  /** Operator changes (approval, name, assignment): written now; rejects when the database fails. */
  saveConfig(snapshot: DeviceSnapshot): Promise<void>
  close(): Promise<void>
}

export interface EnrolmentTokenRow {
  id: string
  tenant: string
  tokenHash: string
  label: string | null
  createdBy: string
  createdAt: Date
  expiresAt: Date | null
  revokedAt: Date | null
  lastUsedAt: Date | null
}

export interface EnrolmentStore {
  create(row: EnrolmentTokenRow): Promise<void>
  findByHash(hash: string): Promise<EnrolmentTokenRow | null>
  /** undefined tenant: every tenant's tokens (admin). */
  list(tenant: string | undefined): Promise<EnrolmentTokenRow[]>
  get(id: string): Promise<EnrolmentTokenRow | null>
  revoke(id: string, at: Date): Promise<void>
  /** Best effort (the upgrade does not wait for it). */
  touch(id: string, at: Date): void
}

export interface TenantSettingsStore {
  loadAll(): Promise<Map<string, boolean>>
  set(tenant: string, autoAdmit: boolean, by: string): Promise<void>
}

export interface CloudAccountRow {
  id: string
  tenant: string
  name: string
  host: string
  sealedToken: string
  createdBy: string
  createdAt: Date
}

export interface CloudAccountStore {
  list(): Promise<CloudAccountRow[]>
  create(row: CloudAccountRow): Promise<void>
  delete(id: string): Promise<void>
}

/** The upstream connection's row in `websocket_connection` (type SHELLY), as the connector reports it. */
export interface UpstreamSnapshot {
  id: string
  referenceId: string
  tenant: string
  status: ConnectionStatus
  lastPingAt: string | null
  errorMessage: string | null
  metadata: Record<string, unknown>
  connectedAt: string | null
  disconnectedAt: string | null
  updatedAt: string
}

export interface UpstreamStore {
  /** Creates the row when missing (auto_reconnect as given); never changes an existing row's flag. */
  ensure(snapshot: UpstreamSnapshot, autoReconnect: boolean): Promise<void>
  /** Batched; never touches auto_reconnect (operators own it). */
  record(snapshot: UpstreamSnapshot): void
  /**
   * The row's status (as last written by whichever instance runs the connection) and the operator's
   * auto_reconnect flag; undefined when the row is gone. Rejects when the database fails.
   */
  stored(id: string): Promise<{ status: ConnectionStatus; autoReconnect: boolean } | undefined>
  setAutoReconnect(id: string, value: boolean): Promise<void>
  remove(id: string): Promise<void>
  close(): Promise<void>
}

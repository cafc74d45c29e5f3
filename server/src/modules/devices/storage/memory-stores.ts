import type { ConnectionStatus } from '../../connections/connection.entity.ts'
import type { DeviceSnapshot } from '../state/device.ts'
import type {
  BulkOffline,
  CloudAccountRow,
  CloudAccountStore,
  DeviceStore,
  EnrolmentStore,
  EnrolmentTokenRow,
  TenantSettingsStore,
  UpstreamSnapshot,
  UpstreamStore,
} from './stores.ts'

/**
 * DATABASE_ENABLED=false: the same contracts in memory, including the
 * database's ordering rule (a state applies only when newer), so the module
 * behaves alike with and without a database.
 */
export class MemoryDeviceStore implements DeviceStore {
  readonly rows = new Map<string, DeviceSnapshot>()
  /** Statements the database would have run: tests count bulk updates here. */
  readonly stats = { stateWrites: 0, bulkUpdates: 0 }

  async loadAll(): Promise<DeviceSnapshot[]> {
    return [...this.rows.values()].map((r) => ({ ...r }))
  }

  writeState(s: DeviceSnapshot): void {
    this.stats.stateWrites++
    this.#apply(s)
  }

  /** The whole row, when newer than what is stored (the database's rule). */
  #apply(s: DeviceSnapshot): void {
    const row = this.rows.get(s.id)
    if (row === undefined || row.stateSeq < s.stateSeq) this.rows.set(s.id, { ...s })
  }

  writeOffline(bulk: BulkOffline): void {
    this.stats.bulkUpdates++
    for (const id of bulk.ids) {
      const row = this.rows.get(id)
      if (row !== undefined && row.stateSeq < bulk.seq) Object.assign(row, { online: false, relayOn: false, currentPower: 0, stateSeq: bulk.seq })
    }
  }

  async saveConfig(s: DeviceSnapshot): Promise<void> {
    this.#apply(s)
  }

  async close(): Promise<void> {}
}

export class MemoryEnrolmentStore implements EnrolmentStore {
  readonly #rows = new Map<string, EnrolmentTokenRow>()

  async create(row: EnrolmentTokenRow): Promise<void> {
    this.#rows.set(row.id, { ...row })
  }
  async findByHash(hash: string): Promise<EnrolmentTokenRow | null> {
    for (const row of this.#rows.values()) if (row.tokenHash === hash) return { ...row }
    return null
  }
  async list(tenant: string | undefined): Promise<EnrolmentTokenRow[]> {
    return [...this.#rows.values()].filter((r) => tenant === undefined || r.tenant === tenant).map((r) => ({ ...r }))
  }
  async get(id: string): Promise<EnrolmentTokenRow | null> {
    const row = this.#rows.get(id)
    return row ? { ...row } : null
  }
  async revoke(id: string, at: Date): Promise<void> {
    const row = this.#rows.get(id)
    if (row && row.revokedAt === null) row.revokedAt = at
  }
  touch(id: string, at: Date): void {
    const row = this.#rows.get(id)
    if (row) row.lastUsedAt = at
  }
}

export class MemoryTenantSettingsStore implements TenantSettingsStore {
  readonly #rows = new Map<string, boolean>()
  async loadAll(): Promise<Map<string, boolean>> {
    return new Map(this.#rows)
  }
  async set(tenant: string, autoAdmit: boolean): Promise<void> {
    this.#rows.set(tenant, autoAdmit)
  }
}

export class MemoryCloudAccountStore implements CloudAccountStore {
  readonly #rows = new Map<string, CloudAccountRow>()
  async list(): Promise<CloudAccountRow[]> {
    return [...this.#rows.values()].map((r) => ({ ...r }))
  }
  async create(row: CloudAccountRow): Promise<void> {
    this.#rows.set(row.id, { ...row })
  }
  async delete(id: string): Promise<void> {
    this.#rows.delete(id)
  }
}

export class MemoryUpstreamStore implements UpstreamStore {
  readonly rows = new Map<string, UpstreamSnapshot & { autoReconnect: boolean }>()

  async ensure(s: UpstreamSnapshot, autoReconnect: boolean): Promise<void> {
    if (!this.rows.has(s.id)) this.rows.set(s.id, { ...s, autoReconnect })
  }
  record(s: UpstreamSnapshot): void {
    const row = this.rows.get(s.id)
    this.rows.set(s.id, { ...s, autoReconnect: row?.autoReconnect ?? true })
  }
  async stored(id: string): Promise<{ status: ConnectionStatus; autoReconnect: boolean } | undefined> {
    const row = this.rows.get(id)
    return row === undefined ? undefined : { status: row.status, autoReconnect: row.autoReconnect }
  }
  async setAutoReconnect(id: string, value: boolean): Promise<void> {
    const row = this.rows.get(id)
    if (row) row.autoReconnect = value
  }
  async remove(id: string): Promise<void> {
    this.rows.delete(id)
  }
  async close(): Promise<void> {}
}

import type { Orm } from '../../../storage/database.ts'
import { DeviceTenantSettings } from './device-settings.entity.ts'
import { DeviceEnrolmentToken } from './enrolment-token.entity.ts'
import type { EnrolmentStore, EnrolmentTokenRow, TenantSettingsStore } from './stores.ts'

const toRow = (e: DeviceEnrolmentToken): EnrolmentTokenRow => ({
  id: e.id,
  tenant: e.tenant,
  tokenHash: e.tokenHash,
  label: e.label ?? null,
  createdBy: e.createdBy,
  createdAt: e.createdAt,
  expiresAt: e.expiresAt ?? null,
  revokedAt: e.revokedAt ?? null,
  lastUsedAt: e.lastUsedAt ?? null,
})

/** `device_enrolment_token`: looked up by hash at every device upgrade. */
export class EnrolmentRepository implements EnrolmentStore {
  readonly #orm: Orm
  readonly #onTouchError: (err: unknown) => void

  constructor(orm: Orm, onTouchError: (err: unknown) => void) {
    this.#orm = orm
    this.#onTouchError = onTouchError
  }

  async create(row: EnrolmentTokenRow): Promise<void> {
    const em = this.#orm.em.fork()
    em.create(DeviceEnrolmentToken, { ...row })
    await em.flush()
  }

  async findByHash(tokenHash: string): Promise<EnrolmentTokenRow | null> {
    const found = await this.#orm.em.fork().findOne(DeviceEnrolmentToken, { tokenHash })
    return found ? toRow(found) : null
  }

  async list(tenant: string | undefined): Promise<EnrolmentTokenRow[]> {
    const rows = await this.#orm.em.fork().find(DeviceEnrolmentToken, tenant === undefined ? {} : { tenant }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 1000 })
    return rows.map(toRow)
  }

  async get(id: string): Promise<EnrolmentTokenRow | null> {
    const found = await this.#orm.em.fork().findOne(DeviceEnrolmentToken, { id })
    return found ? toRow(found) : null
  }

  async revoke(id: string, at: Date): Promise<void> {
    await this.#orm.em.fork().nativeUpdate(DeviceEnrolmentToken, { id, revokedAt: null }, { revokedAt: at })
  }

  touch(id: string, at: Date): void {
    this.#orm.em
      .fork()
      .nativeUpdate(DeviceEnrolmentToken, { id }, { lastUsedAt: at })
      .catch(this.#onTouchError)
  }
}

/** `device_tenant_settings`: small, loaded whole at start-up and kept in memory. */
export class TenantSettingsRepository implements TenantSettingsStore {
  readonly #orm: Orm

  constructor(orm: Orm) {
    this.#orm = orm
  }

  async loadAll(): Promise<Map<string, boolean>> {
    const rows = await this.#orm.em.fork().find(DeviceTenantSettings, {})
    return new Map(rows.map((r) => [r.tenant, r.autoAdmit]))
  }

  async set(tenant: string, autoAdmit: boolean, by: string): Promise<void> {
    await this.#orm.em.fork().upsert(DeviceTenantSettings, { tenant, autoAdmit, updatedBy: by.slice(0, 128), updatedAt: new Date() })
  }
}

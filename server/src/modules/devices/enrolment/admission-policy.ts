import type { DeviceSettings } from '@switchboard/shared'
import type { TenantSettingsStore } from '../storage/stores.ts'

/**
 * Whether a device never seen before is admitted at once or waits for an
 * operator's approval: the tenant's own choice when it made one, else the
 * server default (DEVICE_AUTO_ADMIT: on outside production). Kept in memory:
 * it is read on every first frame and must not wait on the database.
 */
export class AdmissionPolicy {
  readonly #store: TenantSettingsStore
  readonly #default: boolean
  #tenants = new Map<string, boolean>()

  constructor(store: TenantSettingsStore, serverDefault: boolean) {
    this.#store = store
    this.#default = serverDefault
  }

  async load(): Promise<void> {
    this.#tenants = await this.#store.loadAll()
  }

  autoAdmit(tenant: string): boolean {
    return this.#tenants.get(tenant) ?? this.#default
  }

  get(tenant: string): DeviceSettings {
    const own = this.#tenants.get(tenant)
    return { tenant, autoAdmit: own ?? this.#default, explicit: own !== undefined }
  }

  async set(tenant: string, autoAdmit: boolean, by: string): Promise<DeviceSettings> {
    await this.#store.set(tenant, autoAdmit, by)
    this.#tenants.set(tenant, autoAdmit)
    return this.get(tenant)
  }
}

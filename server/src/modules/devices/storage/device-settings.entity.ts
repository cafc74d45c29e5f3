import { defineEntity, p } from '@mikro-orm/core'

/** `device_tenant_settings`: a tenant's own admission policy; absent = the server default (DEVICE_AUTO_ADMIT). */
export const DeviceTenantSettingsSchema = defineEntity({
  name: 'DeviceTenantSettings',
  tableName: 'device_tenant_settings',
  properties: {
    tenant: p.string().length(128).primary(),
    autoAdmit: p.boolean(),
    updatedBy: p.string().length(128),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
})

export class DeviceTenantSettings extends DeviceTenantSettingsSchema.class {}
DeviceTenantSettingsSchema.setClass(DeviceTenantSettings)

import { defineEntity, p } from '@mikro-orm/core'

/**
 * `shelly_cloud_account`: a tenant's Shelly Cloud account (reference 000's
 * credential). The access token is sealed with AES-256-GCM
 * (cloud/credential-cipher.ts) bound to the row's id and tenant; its live
 * connection is the `websocket_connection` row of type SHELLY whose
 * `reference_id` is this id.
 */
export const ShellyCloudAccountSchema = defineEntity({
  name: 'ShellyCloudAccount',
  tableName: 'shelly_cloud_account',
  properties: {
    id: p.string().length(32).primary(),
    tenant: p.string().length(128),
    name: p.string().length(128),
    host: p.string().length(512),
    sealedToken: p.text(),
    createdBy: p.string().length(128),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  indexes: [{ name: 'shelly_cloud_account_tenant_index', properties: ['tenant'] }],
})

export class ShellyCloudAccount extends ShellyCloudAccountSchema.class {}
ShellyCloudAccountSchema.setClass(ShellyCloudAccount)

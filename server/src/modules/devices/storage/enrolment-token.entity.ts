import { defineEntity, p } from '@mikro-orm/core'

/**
 * `device_enrolment_token`: a tenant's token for the `/shelly?token=` URL.
 * Only its SHA-256 is stored (the token is 256 random bits, so a plain hash
 * is enough: there is nothing to brute-force); the token itself is shown once.
 */
export const DeviceEnrolmentTokenSchema = defineEntity({
  name: 'DeviceEnrolmentToken',
  tableName: 'device_enrolment_token',
  properties: {
    id: p.string().length(32).primary(),
    tenant: p.string().length(128),
    tokenHash: p.string().length(64).unique('device_enrolment_token_token_hash_unique'),
    label: p.string().length(128).nullable(),
    createdBy: p.string().length(128),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
  },
  indexes: [{ name: 'device_enrolment_token_tenant_index', properties: ['tenant', 'createdAt'] }],
})

export class DeviceEnrolmentToken extends DeviceEnrolmentTokenSchema.class {}
DeviceEnrolmentTokenSchema.setClass(DeviceEnrolmentToken)

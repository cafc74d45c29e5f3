import { defineEntity, p } from '@mikro-orm/core'

export const DEVICE_SOURCES = ['direct', 'cloud'] as const
export const DEVICE_APPROVALS = ['pending', 'approved', 'rejected'] as const

/**
 * `device`: reference 000's smart plug table. State columns (online, relay,
 * readings, last_seen_at) are written by the batched writer and guarded by
 * `state_seq`, so a late batch can never overwrite a newer state; operator
 * columns (name, approval, equipment, appointment-only mode) are written
 * directly by the HTTP routes. Repositories use SQL of their own: this
 * definition is the schema the migration was generated from.
 */
export const DeviceSchema = defineEntity({
  name: 'Device',
  tableName: 'device',
  properties: {
    id: p.string().length(64).primary(),
    tenant: p.string().length(128),
    source: p.enum(DEVICE_SOURCES),
    externalId: p.string().length(128),
    upstreamId: p.string().length(64).nullable(),
    name: p.string().length(256),
    model: p.string().length(128).nullable(),
    generation: p.integer().nullable(),
    approval: p.enum(DEVICE_APPROVALS),
    online: p.boolean().default(false),
    relayOn: p.boolean().nullable(),
    currentPower: p.double().nullable(),
    voltage: p.double().nullable(),
    current: p.double().nullable(),
    temperature: p.double().nullable(),
    totalEnergy: p.double().nullable(),
    lastSeenAt: p.datetime().nullable(),
    equipmentId: p.string().length(128).nullable(),
    equipmentName: p.string().length(256).nullable(),
    appointmentOnlyMode: p.boolean().default(false),
    stateSeq: p.bigint('number').default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  uniques: [{ name: 'device_tenant_source_external_id_unique', properties: ['tenant', 'source', 'externalId'] }],
  indexes: [
    { name: 'device_tenant_online_index', properties: ['tenant', 'online'] },
    { name: 'device_upstream_id_index', properties: ['upstreamId'] },
  ],
})

export class Device extends DeviceSchema.class {}
DeviceSchema.setClass(Device)

import type { DeviceApproval, DeviceRecord, DeviceSource } from '@switchboard/shared'
import { EMPTY_READINGS, type PlugReadings } from './plug-readings.ts'
import type { Status } from './status-merge.ts'

/** One device in memory: the registry's live state, the source of every event and row. */
export interface Device {
  readonly id: string
  readonly tenant: string
  readonly source: DeviceSource
  readonly externalId: string
  upstreamId: string | null
  name: string
  model: string | null
  generation: number | null
  approval: DeviceApproval
  online: boolean
  readings: PlugReadings
  lastSeenAt: Date | null
  /** Last merged status (NotifyFullStatus + NotifyStatus deltas); memory only, resent by the device on connect. */
  status: Status
  equipmentId: string | null
  equipmentName: string | null
  appointmentOnlyMode: boolean
  readonly createdAt: Date
  /** Version of the state columns: the database keeps the highest (batched writes may land out of order). */
  seq: number
  /** When lastSeenAt was last handed to the writer (ms); a quiet device's row is refreshed at most once a minute. */
  seenPersistedAt: number
}

/** The row the batched writer stores and the store loads: state plus operator columns. */
export interface DeviceSnapshot {
  id: string
  tenant: string
  source: DeviceSource
  externalId: string
  upstreamId: string | null
  name: string
  model: string | null
  generation: number | null
  approval: DeviceApproval
  online: boolean
  relayOn: boolean | null
  currentPower: number | null
  voltage: number | null
  current: number | null
  temperature: number | null
  totalEnergy: number | null
  lastSeenAt: string | null
  equipmentId: string | null
  equipmentName: string | null
  appointmentOnlyMode: boolean
  stateSeq: number
  createdAt: string
}

export function newDevice(init: { id: string; tenant: string; source: DeviceSource; externalId: string; upstreamId: string | null; approval: DeviceApproval; seq: number }): Device {
  return {
    ...init,
    name: init.externalId,
    model: null,
    generation: null,
    online: false,
    readings: { ...EMPTY_READINGS },
    lastSeenAt: null,
    status: {},
    equipmentId: null,
    equipmentName: null,
    appointmentOnlyMode: false,
    createdAt: new Date(),
    seenPersistedAt: 0,
  }
}

export function snapshotOf(d: Device): DeviceSnapshot {
  return {
    id: d.id,
    tenant: d.tenant,
    source: d.source,
    externalId: d.externalId,
    upstreamId: d.upstreamId,
    name: d.name,
    model: d.model,
    generation: d.generation,
    approval: d.approval,
    online: d.online,
    ...d.readings,
    lastSeenAt: d.lastSeenAt?.toISOString() ?? null,
    equipmentId: d.equipmentId,
    equipmentName: d.equipmentName,
    appointmentOnlyMode: d.appointmentOnlyMode,
    stateSeq: d.seq,
    createdAt: d.createdAt.toISOString(),
  }
}

/**
 * A device as loaded at start-up. It is offline whatever the row says: no
 * socket of this process has heard from it yet ("never online before a real
 * message arrives").
 */
export function deviceFromSnapshot(s: DeviceSnapshot): Device {
  return {
    id: s.id,
    tenant: s.tenant,
    source: s.source,
    externalId: s.externalId,
    upstreamId: s.upstreamId,
    name: s.name,
    model: s.model,
    generation: s.generation,
    approval: s.approval,
    online: false,
    readings: { relayOn: s.relayOn, currentPower: s.currentPower, voltage: s.voltage, current: s.current, temperature: s.temperature, totalEnergy: s.totalEnergy },
    lastSeenAt: s.lastSeenAt ? new Date(s.lastSeenAt) : null,
    status: {},
    equipmentId: s.equipmentId,
    equipmentName: s.equipmentName,
    appointmentOnlyMode: s.appointmentOnlyMode,
    createdAt: new Date(s.createdAt),
    seq: s.stateSeq,
    seenPersistedAt: 0,
  }
}

export function toDeviceRecord(d: Device): DeviceRecord {
  return {
    id: d.id,
    tenant: d.tenant,
    externalId: d.externalId,
    source: d.source,
    upstreamId: d.upstreamId,
    name: d.name,
    model: d.model,
    generation: d.generation,
    approval: d.approval,
    online: d.online,
    ...d.readings,
    lastSeenAt: d.lastSeenAt?.toISOString() ?? null,
    equipmentId: d.equipmentId,
    equipmentName: d.equipmentName,
    appointmentOnlyMode: d.appointmentOnlyMode,
    createdAt: d.createdAt.toISOString(),
  }
}

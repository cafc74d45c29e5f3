import type { DeviceRecord, EventData } from '@switchboard/shared'

/**
 * Live device state for the Devices page: the API's list, patched in place by
 * `device-update` and `device-offline-status` pushes (matched on the record id
 * or the device's own id), so a plug's relay and power move without a refetch.
 */
export type DeviceUpdate = EventData<'device-update'>
export type DeviceOffline = EventData<'device-offline-status'>

const matches = (d: DeviceRecord, deviceId: string) => d.id === deviceId || d.externalId === deviceId

/** Applies an update; returns the same array when no device matched (nothing to re-render). */
export function applyUpdate(list: readonly DeviceRecord[], u: DeviceUpdate): readonly DeviceRecord[] {
  let hit = false
  const next = list.map((d) => {
    if (!matches(d, u.deviceId)) return d
    hit = true
    return {
      ...d,
      online: u.online,
      relayOn: u.relayOn,
      currentPower: u.currentPower,
      ...(u.voltage !== undefined && { voltage: u.voltage }),
      ...(u.current !== undefined && { current: u.current }),
      ...(u.temperature !== undefined && { temperature: u.temperature }),
      ...(u.totalEnergy !== undefined && { totalEnergy: u.totalEnergy }),
      lastSeenAt: u.lastSeenAt ?? d.lastSeenAt,
    }
  })
  return hit ? next : list
}

/** An offline notice: the reference's rule, offline means relay off and no power. */
export function applyOffline(list: readonly DeviceRecord[], o: DeviceOffline): readonly DeviceRecord[] {
  let hit = false
  const next = list.map((d) => {
    if (!matches(d, o.deviceId)) return d
    hit = true
    return { ...d, online: false, relayOn: o.relayOn, currentPower: o.currentPower, lastSeenAt: o.lastSeenAt ?? d.lastSeenAt }
  })
  return hit ? next : list
}

export interface DeviceQuery {
  search: string
  online: 'all' | 'online' | 'offline'
  approval: 'all' | DeviceRecord['approval']
}

export function filterDevices(list: readonly DeviceRecord[], q: DeviceQuery): DeviceRecord[] {
  const words = q.search.toLowerCase().split(/\s+/).filter(Boolean)
  return list.filter((d) => {
    if (q.online === 'online' && !d.online) return false
    if (q.online === 'offline' && d.online) return false
    if (q.approval !== 'all' && d.approval !== q.approval) return false
    const text = [d.name, d.externalId, d.tenant, d.model, d.equipmentName].filter(Boolean).join(' ').toLowerCase()
    return words.every((w) => text.includes(w))
  })
}

/** Total power drawn by the online devices listed, in watts. */
export function totalPower(list: readonly DeviceRecord[]): number {
  return list.reduce((sum, d) => sum + (d.online && d.currentPower !== null ? d.currentPower : 0), 0)
}

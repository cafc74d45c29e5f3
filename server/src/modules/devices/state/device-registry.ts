import type { DeviceApproval, DeviceSource } from '@switchboard/shared'
import type { DeviceStore } from '../storage/stores.ts'
import { deviceFromSnapshot, newDevice, snapshotOf, type Device, type DeviceSnapshot } from './device.ts'
import { deviceIdOf } from './device-id.ts'
import { readPlug, sameReadings, type PlugReadings } from './plug-readings.ts'
import { fullStatus, mergeStatus, type Status } from './status-merge.ts'

/** Where events about devices go (the plugin publishes them to the device's tenant). */
export interface DeviceEvents {
  /** `device-update`: an approved device's state changed in a way a screen shows. */
  updated(device: Device): void
  /** `device-offline-status`: an approved device went offline. */
  wentOffline(device: Device, reason: string): void
  /** `smart-plug-assignment-updated`. */
  assignmentChanged(device: Device): void
  /** A device first seen here, or its settings changed here (saved): other instances' copies follow (`adopt`). */
  settingsChanged(device: Device): void
  /** Online or readings changed here (this instance serves the device): other instances' copies follow (`adoptState`). */
  stateChanged(device: Device): void
}

export interface DeviceIdentity {
  tenant: string
  source: DeviceSource
  externalId: string
  upstreamId: string | null
}

export type StatusReport = { kind: 'full' | 'delta'; components: Status; at: Date }

/** A quiet device's last_seen_at is refreshed in the database at most this often. */
const SEEN_PERSIST_MS = 60_000

/**
 * Every device this instance knows, and the only place their state changes.
 * A device becomes online only through `report`/`reportOnline`, which are
 * only called for real messages from the device (or from the cloud about
 * it); loading, reconnecting or approving never does it.
 */
export class DeviceRegistry {
  readonly #devices = new Map<string, Device>()
  readonly #store: DeviceStore
  readonly #events: DeviceEvents
  readonly #autoAdmit: (tenant: string) => boolean
  /**
   * State versions: wall-clock microseconds, +1 when changes come faster, so a
   * restart continues above the last run and, with several instances, the one
   * serving a device now writes above the one that served it before (within
   * the clocks' skew); a per-instance counter would leave an instance started
   * later ahead for ever.
   */
  #seq = Date.now() * 1000

  constructor(opts: { store: DeviceStore; events: DeviceEvents; autoAdmit(tenant: string): boolean }) {
    this.#store = opts.store
    this.#events = opts.events
    this.#autoAdmit = opts.autoAdmit
  }

  async load(): Promise<number> {
    const rows = await this.#store.loadAll()
    for (const row of rows) {
      this.#devices.set(row.id, deviceFromSnapshot(row))
      if (row.stateSeq >= this.#seq) this.#seq = row.stateSeq + 1
    }
    return rows.length
  }

  get(id: string): Device | undefined {
    return this.#devices.get(id)
  }

  all(): IterableIterator<Device> {
    return this.#devices.values()
  }

  get size(): number {
    return this.#devices.size
  }

  /** The device a first frame names; a device never seen before is created pending or approved per its tenant. */
  findOrCreate(ident: DeviceIdentity): Device {
    const id = deviceIdOf(ident.tenant, ident.source, ident.externalId)
    const known = this.#devices.get(id)
    if (known !== undefined) {
      if (known.upstreamId !== ident.upstreamId) known.upstreamId = ident.upstreamId
      return known
    }
    const approval: DeviceApproval = this.#autoAdmit(ident.tenant) ? 'approved' : 'pending'
    const device = newDevice({ id, ...ident, approval, seq: this.#next() })
    this.#devices.set(id, device)
    this.#store.writeState(snapshotOf(device))
    device.seenPersistedAt = Date.now()
    this.#events.settingsChanged(device)
    return device
  }

  /**
   * Another instance saw a device first or changed its settings: this copy
   * takes the settings (approval, name, assignment, model), never the state,
   * which belongs to the instance serving the device. Nothing is written or
   * published here; the caller acts on an approval change (the approval
   * before is returned, undefined for a device new to this instance).
   */
  adopt(s: DeviceSnapshot): { device: Device; approvalBefore: DeviceApproval | undefined } {
    const known = this.#devices.get(s.id)
    if (known === undefined) {
      const device = deviceFromSnapshot(s)
      this.#devices.set(s.id, device)
      return { device, approvalBefore: undefined }
    }
    const approvalBefore = known.approval
    known.approval = s.approval
    known.name = s.name
    known.equipmentId = s.equipmentId
    known.equipmentName = s.equipmentName
    known.appointmentOnlyMode = s.appointmentOnlyMode
    known.model ??= s.model
    known.generation ??= s.generation
    return { device: known, approvalBefore }
  }

  /**
   * The live state of a device another instance serves, for this copy's
   * views: nothing is written or published here (the serving instance does).
   */
  adoptState(device: Device, state: { online: boolean; readings: PlugReadings; lastSeenAt: string | null }): void {
    device.online = state.online
    device.readings = { ...state.readings }
    device.lastSeenAt = state.lastSeenAt === null ? null : new Date(state.lastSeenAt)
  }

  /** A status report from the device: full status replaces, a delta merges (`null` removes). */
  report(device: Device, report: StatusReport): void {
    device.status = report.kind === 'full' ? fullStatus(report.components) : mergeStatus(device.status, report.components)
    this.#observed(device, readPlug(device.status), report.at)
  }

  /** The cloud says the device is online: a real message about it, without readings. */
  reportOnline(device: Device, at: Date): void {
    this.#observed(device, device.readings, at)
  }

  /** What `Shelly.GetDeviceInfo` said; the name only while no operator has named the device. */
  describe(device: Device, info: { model?: string | undefined; generation?: number | undefined; name?: string | undefined }): void {
    let changed = false
    if (info.model !== undefined && info.model !== device.model) ((device.model = info.model), (changed = true))
    if (info.generation !== undefined && info.generation !== device.generation) ((device.generation = info.generation), (changed = true))
    const named = Boolean(info.name) && device.name === device.externalId
    if (named) ((device.name = info.name!), (changed = true))
    if (changed) this.#persist(device)
    if (named) this.#events.settingsChanged(device)
  }

  #observed(device: Device, readings: ReturnType<typeof readPlug>, at: Date): void {
    const wasOnline = device.online
    const changed = !wasOnline || !sameReadings(device.readings, readings)
    device.readings = readings
    device.online = true
    device.lastSeenAt = at
    if (changed) {
      this.#persist(device)
      this.#events.stateChanged(device)
      if (device.approval === 'approved') this.#events.updated(device)
    } else if (at.getTime() - device.seenPersistedAt >= SEEN_PERSIST_MS) {
      this.#persist(device)
    }
  }

  /** Offline now; false when it already was. The relay is reported off and power 0 (reference 000). */
  markOffline(device: Device, reason: string): boolean {
    if (!device.online) return false
    this.#goOffline(device)
    this.#persist(device)
    this.#events.stateChanged(device)
    if (device.approval === 'approved') this.#events.wentOffline(device, reason)
    return true
  }

  /**
   * Reference 000's markAllOfflineImmediate: every device in `devices` that is
   * online goes offline with ONE store write, then one event each.
   */
  markOfflineMany(devices: Iterable<Device>, reason: string, at = new Date()): Device[] {
    const gone: Device[] = []
    for (const d of devices) {
      if (!d.online) continue
      this.#goOffline(d)
      gone.push(d)
    }
    if (gone.length === 0) return gone
    const seq = this.#next()
    for (const d of gone) d.seq = seq
    this.#store.writeOffline({ ids: gone.map((d) => d.id), at: at.toISOString(), seq })
    for (const d of gone) {
      this.#events.stateChanged(d)
      if (d.approval === 'approved') this.#events.wentOffline(d, reason)
    }
    return gone
  }

  #goOffline(d: Device): void {
    d.online = false
    d.readings = { ...d.readings, relayOn: false, currentPower: 0 }
  }

  async setApproval(device: Device, approval: DeviceApproval): Promise<void> {
    const before = device.approval
    device.approval = approval
    await this.#save(device, () => (device.approval = before))
    // Approval publishes what is already known; it never invents a connection.
    if (approval === 'approved' && before !== 'approved' && device.online) this.#events.updated(device)
  }

  async rename(device: Device, name: string): Promise<void> {
    const before = device.name
    device.name = name
    await this.#save(device, () => (device.name = before))
  }

  async assign(device: Device, change: { equipmentId: string | null; equipmentName?: string | null | undefined; appointmentOnlyMode?: boolean | undefined }): Promise<void> {
    const before = { equipmentId: device.equipmentId, equipmentName: device.equipmentName, appointmentOnlyMode: device.appointmentOnlyMode }
    device.equipmentId = change.equipmentId
    device.equipmentName = change.equipmentId === null ? null : change.equipmentName !== undefined ? change.equipmentName : device.equipmentName
    if (change.appointmentOnlyMode !== undefined) device.appointmentOnlyMode = change.appointmentOnlyMode
    await this.#save(device, () => Object.assign(device, before))
    this.#events.assignmentChanged(device)
  }

  /** Operator changes are written before they are confirmed; a failed write is undone in memory. */
  async #save(device: Device, undo: () => void): Promise<void> {
    device.seq = this.#next()
    try {
      await this.#store.saveConfig(snapshotOf(device))
    } catch (err) {
      undo()
      throw err
    }
    this.#events.settingsChanged(device)
  }

  /**
   * Every write carries the whole row and a new version; the store keeps the
   * highest version, so whatever order batches land in, the row converges to
   * what memory holds.
   */
  #persist(device: Device): void {
    device.seq = this.#next()
    device.seenPersistedAt = device.lastSeenAt?.getTime() ?? Date.now()
    this.#store.writeState(snapshotOf(device))
  }

  #next(): number {
    this.#seq = Math.max(this.#seq + 1, Date.now() * 1000)
    return this.#seq
  }
}

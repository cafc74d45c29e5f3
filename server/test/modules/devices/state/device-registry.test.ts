import t from 'tap'
import type { Device } from '../../../../src/modules/devices/state/device.ts'
import { DeviceRegistry, type DeviceEvents } from '../../../../src/modules/devices/state/device-registry.ts'
import { MemoryDeviceStore } from '../../../../src/modules/devices/storage/memory-stores.ts'

function setup(autoAdmit = true) {
  const store = new MemoryDeviceStore()
  const events: Array<{ kind: string; id: string; online?: boolean; reason?: string }> = []
  /** What other instances would be told: `<device name>/<approval>` per settingsChanged. */
  const shared: string[] = []
  /** Likewise per stateChanged: `<external id>:on|off`. */
  const states: string[] = []
  const sink: DeviceEvents = {
    updated: (d) => events.push({ kind: 'update', id: d.id, online: d.online }),
    wentOffline: (d, reason) => events.push({ kind: 'offline', id: d.id, reason }),
    assignmentChanged: (d) => events.push({ kind: 'assignment', id: d.id }),
    settingsChanged: (d) => shared.push(`${d.name}/${d.approval}`),
    stateChanged: (d) => states.push(`${d.externalId}:${d.online ? 'on' : 'off'}`),
  }
  const registry = new DeviceRegistry({ store, events: sink, autoAdmit: () => autoAdmit })
  return { store, events, shared, states, registry }
}

const ident = (externalId: string, tenant = 't1') => ({ tenant, source: 'direct' as const, externalId, upstreamId: null })
const full = (output: boolean, apower: number) => ({ 'switch:0': { id: 0, output, apower, voltage: 230, current: apower / 230, aenergy: { total: 1 }, temperature: { tC: 30 } } })

t.test('a device is created offline and becomes online only with a report', async (t) => {
  const { registry, events, store } = setup()
  const d = registry.findOrCreate(ident('shellyplusplugs-1'))
  t.equal(d.online, false)
  t.equal(events.length, 0)
  t.equal(store.rows.get(d.id)?.online, false, 'the row exists before the first report')
  registry.report(d, { kind: 'full', components: full(true, 10), at: new Date() })
  t.same(events, [{ kind: 'update', id: d.id, online: true }])
  t.equal(store.rows.get(d.id)?.online, true)
  t.equal(store.rows.get(d.id)?.currentPower, 10)
})

t.test('only changes a screen shows publish; an unchanged report publishes nothing', async (t) => {
  const { registry, events } = setup()
  const d = registry.findOrCreate(ident('p'))
  const at = new Date()
  registry.report(d, { kind: 'full', components: full(true, 10), at })
  registry.report(d, { kind: 'delta', components: { sys: { uptime: 99 } }, at })
  t.equal(events.length, 1)
  registry.report(d, { kind: 'delta', components: { 'switch:0': { apower: 11 } }, at })
  t.equal(events.length, 2)
  t.equal(d.readings.currentPower, 11)
  t.equal(d.readings.voltage, 230, 'the rest of the merged status stays')
})

t.test('the same external id in two tenants is two devices', async (t) => {
  const { registry } = setup()
  t.not(registry.findOrCreate(ident('x', 't1')).id, registry.findOrCreate(ident('x', 't2')).id)
  t.equal(registry.findOrCreate(ident('x', 't1')).id, registry.findOrCreate(ident('x', 't1')).id)
})

t.test('pending devices are tracked but publish nothing until approved', async (t) => {
  const { registry, events } = setup(false)
  const d = registry.findOrCreate(ident('p'))
  t.equal(d.approval, 'pending')
  registry.report(d, { kind: 'full', components: full(false, 0), at: new Date() })
  t.equal(d.online, true)
  t.equal(events.length, 0)
  await registry.setApproval(d, 'approved')
  t.same(events, [{ kind: 'update', id: d.id, online: true }], 'approval publishes what is already known')
})

t.test('approving a device that is not connected does not make it online', async (t) => {
  const { registry, events } = setup(false)
  const d = registry.findOrCreate(ident('p'))
  await registry.setApproval(d, 'approved')
  t.equal(d.online, false)
  t.equal(events.length, 0)
})

t.test('markOfflineMany: one store write for all, one event each, relay off and power 0', async (t) => {
  const { registry, events, store } = setup()
  const devices: Device[] = []
  for (let i = 0; i < 5; i++) {
    const d = registry.findOrCreate({ tenant: 't1', source: 'cloud', externalId: `c${i}`, upstreamId: 'up1' })
    if (i < 4) registry.report(d, { kind: 'full', components: full(true, 50), at: new Date() })
    devices.push(d)
  }
  events.length = 0
  const before = store.stats.bulkUpdates
  const gone = registry.markOfflineMany(devices, 'upstream_disconnected')
  t.equal(gone.length, 4, 'the one never online is not counted')
  t.equal(store.stats.bulkUpdates - before, 1)
  t.same(events.map((e) => e.kind), ['offline', 'offline', 'offline', 'offline'])
  for (const d of gone) {
    t.same([d.online, d.readings.relayOn, d.readings.currentPower], [false, false, 0])
    t.same([store.rows.get(d.id)?.online, store.rows.get(d.id)?.relayOn, store.rows.get(d.id)?.currentPower], [false, false, 0])
  }
  t.same(registry.markOfflineMany(devices, 'again'), [], 'already offline: nothing to do')
  t.equal(store.stats.bulkUpdates - before, 1)
})

t.test('the store keeps the newest version whatever order writes land in', async (t) => {
  const { registry, store } = setup()
  const d = registry.findOrCreate(ident('p'))
  registry.report(d, { kind: 'full', components: full(true, 10), at: new Date() })
  const older = { ...store.rows.get(d.id)! }
  registry.report(d, { kind: 'delta', components: { 'switch:0': { apower: 20 } }, at: new Date() })
  store.writeState(older)
  t.equal(store.rows.get(d.id)?.currentPower, 20, 'a late older snapshot is ignored')
  store.writeOffline({ ids: [d.id], at: new Date().toISOString(), seq: older.stateSeq })
  t.equal(store.rows.get(d.id)?.online, true, 'an older bulk offline is ignored too')
})

t.test('load: rows come back offline whatever they said, and versions continue above them', async (t) => {
  const { registry, store } = setup()
  const d = registry.findOrCreate(ident('p'))
  registry.report(d, { kind: 'full', components: full(true, 10), at: new Date() })
  const row = store.rows.get(d.id)!
  row.stateSeq = Date.now() * 1000 + 10_000_000
  const events: string[] = []
  const again = new DeviceRegistry({ store, events: { updated: () => events.push('u'), wentOffline: () => events.push('o'), assignmentChanged: () => {}, settingsChanged: () => {}, stateChanged: () => {} }, autoAdmit: () => true })
  t.equal(await again.load(), 1)
  const loaded = again.get(d.id)!
  t.equal(loaded.online, false, 'never online before a real message')
  t.equal(loaded.readings.currentPower, 10)
  again.report(loaded, { kind: 'delta', components: { 'switch:0': { apower: 12 } }, at: new Date() })
  t.ok(loaded.seq > row.stateSeq - 1 && store.rows.get(d.id)!.currentPower === 12, 'a new version beats the loaded one')
})

t.test('assignment and naming are written before they are confirmed, and undone when the write fails', async (t) => {
  const { registry, events, store } = setup()
  const d = registry.findOrCreate(ident('p'))
  await registry.assign(d, { equipmentId: 'laser-2', equipmentName: 'Laser 2', appointmentOnlyMode: true })
  t.same(events.at(-1), { kind: 'assignment', id: d.id })
  t.same([store.rows.get(d.id)?.equipmentId, store.rows.get(d.id)?.appointmentOnlyMode], ['laser-2', true])
  await registry.assign(d, { equipmentId: null })
  t.same([d.equipmentId, d.equipmentName, d.appointmentOnlyMode], [null, null, true], 'unassigning clears the equipment, keeps the mode')
  store.saveConfig = async () => {
    throw new Error('db down')
  }
  await t.rejects(registry.rename(d, 'Room 1 plug'))
  t.equal(d.name, 'p', 'the failed change is undone in memory')
})

t.test('describe fills model and generation, and the device name only while the device is unnamed', async (t) => {
  const { registry } = setup()
  const d = registry.findOrCreate(ident('p'))
  registry.describe(d, { model: 'SNPL-00112EU', generation: 2, name: 'Kitchen' })
  t.same([d.model, d.generation, d.name], ['SNPL-00112EU', 2, 'Kitchen'])
  const other = registry.findOrCreate(ident('q'))
  await registry.rename(other, 'Room 1')
  registry.describe(other, { name: 'Device says' })
  t.equal(other.name, 'Room 1', 'an operator-given name stays')
})

t.test('other instances are told of a new device and of every saved settings change, never of a failed one', async (t) => {
  const { registry, shared, store } = setup(false)
  const d = registry.findOrCreate(ident('p'))
  t.same(shared, ['p/pending'], 'a device first seen here')
  registry.report(d, { kind: 'full', components: full(true, 10), at: new Date() })
  t.same(shared, ['p/pending'], 'state is not a setting')
  await registry.setApproval(d, 'approved')
  await registry.rename(d, 'Room 1')
  await registry.assign(d, { equipmentId: 'laser-2' })
  t.same(shared, ['p/pending', 'p/approved', 'Room 1/approved', 'Room 1/approved'])
  const q = registry.findOrCreate(ident('q'))
  registry.describe(q, { name: 'Kitchen' })
  t.same(shared.slice(4), ['q/pending', 'Kitchen/pending'], 'the name a device gives itself is a setting too')
  store.saveConfig = async () => {
    throw new Error('db down')
  }
  await t.rejects(registry.rename(d, 'Room 2'))
  t.equal(shared.length, 6, 'a change that was not saved is not shared')
})

t.test('adopt: another instance\'s device or settings, never its state; nothing written or published here', async (t) => {
  const a = setup(false)
  const b = setup(false)
  const d = a.registry.findOrCreate(ident('p'))
  a.registry.report(d, { kind: 'full', components: full(true, 40), at: new Date() })
  await a.registry.setApproval(d, 'approved')
  const snapshot = a.store.rows.get(d.id)!

  const first = b.registry.adopt(snapshot)
  t.equal(first.approvalBefore, undefined, 'new to b')
  t.match(first.device, { id: d.id, approval: 'approved', online: false }, 'known, never online from hearsay')
  t.equal(b.store.rows.size, 0, 'nothing written by b')

  b.registry.report(first.device, { kind: 'full', components: full(true, 99), at: new Date() })
  const events = b.events.length
  const second = b.registry.adopt({ ...snapshot, name: 'Room 1', approval: 'rejected', equipmentId: 'eq', currentPower: 1, online: false })
  t.equal(second.approvalBefore, 'approved')
  t.match(second.device, { name: 'Room 1', approval: 'rejected', equipmentId: 'eq', online: true }, 'settings taken')
  t.equal(second.device.readings.currentPower, 99, 'state kept: it belongs to the instance serving the device')
  t.equal(b.events.length, events, 'nothing published by adopt')
})

t.test('state changes are shared with the other instances (stateChanged); adoptState shows another instance\'s without writing or publishing', async (t) => {
  const a = setup()
  const d = a.registry.findOrCreate(ident('p'))
  a.registry.report(d, { kind: 'full', components: full(true, 10), at: new Date() })
  a.registry.report(d, { kind: 'full', components: full(true, 10), at: new Date() })
  a.registry.report(d, { kind: 'full', components: full(false, 0), at: new Date() })
  a.registry.markOffline(d, 'socket_closed')
  const q = a.registry.findOrCreate(ident('q'))
  a.registry.report(q, { kind: 'full', components: full(true, 5), at: new Date() })
  a.registry.markOfflineMany([d, q], 'upstream_disconnected')
  t.same(a.states, ['p:on', 'p:on', 'p:off', 'q:on', 'q:off'], 'every change a view shows, once; nothing for an unchanged report or a device already offline')

  const b = setup()
  const copy = b.registry.adopt(a.store.rows.get(d.id)!).device
  const writes = b.store.rows.size
  const seen = new Date()
  b.registry.adoptState(copy, { online: true, readings: { ...d.readings, currentPower: 42 }, lastSeenAt: seen.toISOString() })
  t.match(copy, { online: true, readings: { currentPower: 42 }, lastSeenAt: seen })
  t.same([b.store.rows.size, b.events.length, b.states.length], [writes, 0, 0], 'nothing written, published or shared by the copy')
})

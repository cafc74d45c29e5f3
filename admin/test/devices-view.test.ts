import type { DeviceRecord } from '@switchboard/shared'
import t from 'tap'
import { applyOffline, applyUpdate, filterDevices, totalPower } from '../src/lib/devices-view.ts'

const device = (id: string, patch: Partial<DeviceRecord> = {}): DeviceRecord => ({
  id,
  tenant: 'clinic-1',
  externalId: `shellyplug-${id}`,
  source: 'direct',
  upstreamId: null,
  name: `Plug ${id}`,
  model: 'SNPL-00116EU',
  generation: 2,
  approval: 'approved',
  online: true,
  relayOn: false,
  currentPower: 0,
  voltage: 230,
  current: 0,
  temperature: 30,
  totalEnergy: 10,
  lastSeenAt: '2026-11-23T10:00:00.000Z',
  equipmentId: null,
  equipmentName: null,
  appointmentOnlyMode: false,
  createdAt: '2026-11-01T00:00:00.000Z',
  ...patch,
})

t.test('an update patches the device it names, by record id or device id', async (t) => {
  const list = [device('a'), device('b')]
  const byId = applyUpdate(list, { deviceId: 'a', online: true, relayOn: true, currentPower: 41.5, lastSeenAt: '2026-11-23T10:01:00.000Z' })
  t.match(byId[0], { relayOn: true, currentPower: 41.5, voltage: 230, lastSeenAt: '2026-11-23T10:01:00.000Z' })
  t.equal(byId[1], list[1], 'the other device is the same object')
  const byExternal = applyUpdate(list, { deviceId: 'shellyplug-b', online: true, relayOn: true, currentPower: 5, lastSeenAt: null, voltage: 229.1 })
  t.match(byExternal[1], { relayOn: true, voltage: 229.1, lastSeenAt: '2026-11-23T10:00:00.000Z' }, 'a null lastSeenAt keeps the known one')
})

t.test('an update for an unknown device changes nothing', async (t) => {
  const list = [device('a')]
  t.equal(applyUpdate(list, { deviceId: 'zzz', online: false, relayOn: null, currentPower: null, lastSeenAt: null }), list)
  t.equal(applyOffline(list, { deviceId: 'zzz', online: false, relayOn: false, currentPower: 0, lastSeenAt: null }), list)
})

t.test('offline means relay off and no power', async (t) => {
  const list = [device('a', { relayOn: true, currentPower: 80 })]
  t.match(applyOffline(list, { deviceId: 'a', online: false, relayOn: false, currentPower: 0, lastSeenAt: null })[0], {
    online: false,
    relayOn: false,
    currentPower: 0,
  })
})

t.test('filters and total power', async (t) => {
  const list = [
    device('a', { currentPower: 10 }),
    device('b', { online: false, currentPower: 99 }),
    device('c', { approval: 'pending', name: 'Laser room', currentPower: 5 }),
  ]
  t.same(filterDevices(list, { search: '', online: 'offline', approval: 'all' }).map((d) => d.id), ['b'])
  t.same(filterDevices(list, { search: 'laser', online: 'all', approval: 'all' }).map((d) => d.id), ['c'])
  t.same(filterDevices(list, { search: '', online: 'all', approval: 'pending' }).map((d) => d.id), ['c'])
  t.equal(totalPower(list), 15, 'offline devices draw nothing')
})

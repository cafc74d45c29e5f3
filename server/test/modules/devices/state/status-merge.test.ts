import t from 'tap'
import { componentsOf, fullStatus, mergeStatus } from '../../../../src/modules/devices/state/status-merge.ts'

t.test('a delta overlays only the keys it carries, at every depth', async (t) => {
  const base = fullStatus({
    'switch:0': { id: 0, output: false, apower: 0, aenergy: { total: 10, by_minute: [1, 2, 3] }, temperature: { tC: 30, tF: 86 } },
    sys: { uptime: 10 },
  })
  mergeStatus(base, { 'switch:0': { output: true, apower: 42.5, aenergy: { total: 10.5 } } })
  t.same(base, {
    'switch:0': { id: 0, output: true, apower: 42.5, aenergy: { total: 10.5, by_minute: [1, 2, 3] }, temperature: { tC: 30, tF: 86 } },
    sys: { uptime: 10 },
  })
})

t.test('null removes a key, nested or whole components', async (t) => {
  const base = fullStatus({ 'switch:0': { id: 0, output: true, errors: ['overtemp'] }, 'input:0': { id: 0, state: false }, wifi: { rssi: -60, ssid: 'x' } })
  mergeStatus(base, { 'switch:0': { errors: null }, 'input:0': null, wifi: { ssid: null } })
  t.same(base, { 'switch:0': { id: 0, output: true }, wifi: { rssi: -60 } })
  t.notOk('input:0' in base)
})

t.test('arrays and scalars replace; an object replaces a scalar and is copied, not shared', async (t) => {
  const delta = { a: { b: 1 }, list: [9] }
  const base = mergeStatus({ a: 5, list: [1, 2, 3] }, delta)
  t.same(base, { a: { b: 1 }, list: [9] })
  delta.a.b = 2
  t.equal((base.a as { b: number }).b, 1, 'later changes to the frame do not leak into the status')
})

t.test('a full status drops null components and the device ts is not a component', async (t) => {
  t.same(fullStatus({ 'switch:0': { output: true }, ble: null }), { 'switch:0': { output: true } })
  t.same(componentsOf({ ts: 12.5, sys: { uptime: 3 } }), { sys: { uptime: 3 } })
})

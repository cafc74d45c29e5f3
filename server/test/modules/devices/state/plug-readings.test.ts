import t from 'tap'
import { readPlug, sameReadings } from '../../../../src/modules/devices/state/plug-readings.ts'

t.test('a Gen2 plug reads switch:0 (output, apower, voltage, current, aenergy.total, temperature.tC)', async (t) => {
  const r = readPlug({ 'switch:0': { id: 0, output: true, apower: 2.7, voltage: 227.9, current: 0.121, aenergy: { total: 7258.589 }, temperature: { tC: 32.1, tF: 89.7 } } })
  t.same(r, { relayOn: true, currentPower: 2.7, voltage: 227.9, current: 0.121, temperature: 32.1, totalEnergy: 7258.589 })
})

t.test('several channels: channel 0 first, else the lowest switch; a meter without relay has relayOn null', async (t) => {
  t.equal(readPlug({ 'switch:3': { output: true }, 'switch:1': { output: false, apower: 5 } }).currentPower, 5)
  t.same(readPlug({ 'pm1:0': { apower: 11, voltage: 230 } }), { relayOn: null, currentPower: 11, voltage: 230, current: null, temperature: null, totalEnergy: null })
})

t.test('a Gen1 cloud report reads relays/meters; watt-minutes become Wh', async (t) => {
  const r = readPlug({ relays: [{ ison: true }], meters: [{ power: 12.5, total: 600 }], temperature: 40.2 })
  t.same(r, { relayOn: true, currentPower: 12.5, voltage: null, current: null, temperature: 40.2, totalEnergy: 10 })
})

t.test('missing or non-finite values are null, never guessed', async (t) => {
  t.same(readPlug({}), { relayOn: null, currentPower: null, voltage: null, current: null, temperature: null, totalEnergy: null })
  t.equal(readPlug({ 'switch:0': { output: 'yes', apower: 'NaN' } }).relayOn, null)
  t.equal(readPlug({ 'switch:0': { output: 'yes', apower: 'NaN' } }).currentPower, null)
})

t.test('sameReadings compares every field', async (t) => {
  const a = readPlug({ 'switch:0': { output: true, apower: 1 } })
  t.ok(sameReadings(a, { ...a }))
  t.notOk(sameReadings(a, { ...a, currentPower: 1.1 }))
  t.notOk(sameReadings(a, { ...a, relayOn: false }))
})

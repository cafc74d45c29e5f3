import t from 'tap'
import { parseDeviceFrame, requestFrame } from '../../../../src/modules/devices/ingress/shelly-frames.ts'

const full = {
  src: 'shellyplusplugs-aabbccddeeff',
  dst: 'ws',
  method: 'NotifyFullStatus',
  params: { ts: 12.04, 'switch:0': { id: 0, output: true, apower: 2.7, voltage: 227.9, current: 0.121, aenergy: { total: 7258.589 }, temperature: { tC: 32.1, tF: 89.7 } }, sys: { uptime: 12 } },
}

t.test('NotifyFullStatus and NotifyStatus become status frames without the device ts', async (t) => {
  const r = parseDeviceFrame(JSON.stringify(full), 32)
  t.same(r, { ok: true, frame: { kind: 'status', src: full.src, full: true, components: { 'switch:0': full.params['switch:0'], sys: { uptime: 12 } } } })
  const delta = parseDeviceFrame(JSON.stringify({ src: full.src, dst: 'ws', method: 'NotifyStatus', params: { ts: 13, 'switch:0': { id: 0, apower: 3 }, ble: null } }), 32)
  t.same(delta, { ok: true, frame: { kind: 'status', src: full.src, full: false, components: { 'switch:0': { id: 0, apower: 3 }, ble: null } } })
})

t.test('NotifyEvent, other notifications and responses are typed', async (t) => {
  t.match(parseDeviceFrame(JSON.stringify({ src: full.src, method: 'NotifyEvent', params: { ts: 1, events: [{ component: 'input:0', id: 0, event: 'single_push', ts: 1 }] } }), 32), {
    ok: true,
    frame: { kind: 'event', events: [{ component: 'input:0', event: 'single_push' }] },
  })
  t.same(parseDeviceFrame(JSON.stringify({ src: full.src, method: 'NotifyWakeup', params: {} }), 32), { ok: true, frame: { kind: 'other', src: full.src, method: 'NotifyWakeup' } })
  t.same(parseDeviceFrame('{"id":7,"src":"shellyplusplugs-aabbccddeeff","dst":"switchboard","result":{"was_on":false}}', 32), {
    ok: true,
    frame: { kind: 'response', id: 7, result: { was_on: false }, error: undefined },
  })
  t.match(parseDeviceFrame('{"id":8,"src":"x1","error":{"code":-103,"message":"Missing required argument"}}', 32), {
    ok: true,
    frame: { kind: 'response', id: 8, error: { code: -103 } },
  })
})

t.test('malformed frames say why', async (t) => {
  const reason = (text: string) => {
    const r = parseDeviceFrame(text, 8)
    return r.ok ? 'ok' : r.reason
  }
  t.equal(reason('{nope'), 'json')
  t.equal(reason('[1,2]'), 'shape')
  t.equal(reason('"text"'), 'shape')
  t.equal(reason(`{"src":"a","method":"NotifyStatus","params":${'['.repeat(20)}${']'.repeat(20)}}`), 'too_deep')
  t.equal(reason('{"src":"a","method":"NotifyStatus","params":{"__proto__":{"x":1}}}'), 'forbidden_key')
  t.equal(reason('{"method":"NotifyStatus","params":{}}'), 'shape', 'a notification needs src')
  t.equal(reason('{"src":"has space","method":"NotifyStatus","params":{}}'), 'shape', 'src is an identifier')
  t.equal(reason('{"src":"a","method":"NotifyStatus","params":{"switch:0":5}}'), 'shape', 'a component is an object or null')
  t.equal(reason('{"src":"a","method":"NotifyEvent","params":{}}'), 'shape')
  t.equal(reason('{"hello":"world"}'), 'shape')
  t.equal(reason('{"id":"x","result":1,"error":{"code":"bad"}}'), 'shape')
})

t.test('requests name us as src so the device can answer', async (t) => {
  t.same(JSON.parse(requestFrame(3, 'Switch.Set', { id: 0, on: true })), { jsonrpc: '2.0', id: 3, src: 'switchboard', method: 'Switch.Set', params: { id: 0, on: true } })
  t.same(JSON.parse(requestFrame(4, 'Shelly.GetStatus', undefined)), { jsonrpc: '2.0', id: 4, src: 'switchboard', method: 'Shelly.GetStatus' })
})

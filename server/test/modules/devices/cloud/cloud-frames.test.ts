import t from 'tap'
import { cloudSocketUrl, parseCloudFrame, relayCommand } from '../../../../src/modules/devices/cloud/cloud-frames.ts'

t.test('StatusOnChange names its device by deviceId or device{id,code,gen}', async (t) => {
  t.same(parseCloudFrame('{"event":"Shelly:StatusOnChange","deviceId":"aabbcc","status":{"switch:0":{"output":true}}}', 32), {
    ok: true,
    frame: { kind: 'status', device: { id: 'aabbcc', code: undefined, generation: undefined }, status: { 'switch:0': { output: true } } },
  })
  t.match(parseCloudFrame('{"event":"Shelly:StatusOnChange","device":{"id":"aabbcc","code":"SNPL-00112EU","gen":"G2"},"status":{}}', 32), {
    ok: true,
    frame: { device: { id: 'aabbcc', code: 'SNPL-00112EU', generation: 2 } },
  })
})

t.test('Online, CommandResponse and unknown events', async (t) => {
  t.match(parseCloudFrame('{"event":"Shelly:Online","deviceId":"d1","online":0}', 32), { ok: true, frame: { kind: 'online', online: false } })
  t.match(parseCloudFrame('{"event":"Shelly:Online","deviceId":"d1","online":1}', 32), { ok: true, frame: { kind: 'online', online: true } })
  t.same(parseCloudFrame('{"event":"Shelly:CommandResponse","trid":5,"deviceId":"d1","data":{"isOK":true}}', 32), { ok: true, frame: { kind: 'command-response', trid: 5, ok: true, result: undefined } })
  t.same(parseCloudFrame('{"event":"Shelly:Settings","deviceId":"d1","settings":{}}', 32), { ok: true, frame: { kind: 'other', event: 'Shelly:Settings' } })
  t.notOk(parseCloudFrame('{"event":"Shelly:StatusOnChange","status":{}}', 32).ok, 'no device')
  t.notOk(parseCloudFrame('not json', 32).ok)
  t.notOk(parseCloudFrame('{"event":"Shelly:StatusOnChange","deviceId":"d","status":{"__proto__":{}}}', 32).ok)
})

t.test('relay commands and socket URLs follow the cloud API', async (t) => {
  t.same(JSON.parse(relayCommand(9, 'd1', 0, true)), { event: 'Shelly:CommandRequest', trid: 9, deviceId: 'd1', data: { cmd: 'relay', params: { id: 0, turn: 'on' } } })
  t.equal(cloudSocketUrl('shelly-103-eu.shelly.cloud', 'a b'), 'wss://shelly-103-eu.shelly.cloud:6113/shelly/wss/hk_sock?t=a%20b')
  t.equal(cloudSocketUrl('ws://127.0.0.1:9/shelly/wss/hk_sock', 'tok'), 'ws://127.0.0.1:9/shelly/wss/hk_sock?t=tok')
})

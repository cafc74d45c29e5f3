import { Writable } from 'node:stream'
import t from 'tap'
import WebSocket from 'ws'
import { DEVICE_CLOSE_CODES } from '../../../../src/modules/devices/ingress/device-close-codes.ts'
import { SimulatedPlug } from '../../../../src/modules/devices/simulator/simulated-plug.ts'
import { startServer } from '../../../helpers/server.ts'
import { deviceServer, enrol, isPush, plug, sleep, tenantClient, until } from '../device-helpers.ts'

/** A raw socket on /shelly: resolves with its close code, or the HTTP status it was refused with. */
function rawDevice(url: string): Promise<{ socket: WebSocket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    const closed = new Promise<number>((r) => socket.on('close', (code) => r(code)))
    socket.once('open', () => resolve({ socket, closed }))
    socket.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode })))
    socket.once('error', reject)
  })
}

async function metric(http: string, name: string, label: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${label}}`))
  return line === undefined ? 0 : Number(line.split(' ').at(-1))
}

t.test('a device that connects is online and its device-update reaches its own tenant only', async (t) => {
  const s = await deviceServer(t)
  const mine = await tenantClient(t, s, 'clinic-1')
  const other = await tenantClient(t, s, 'clinic-2')
  const p = await plug(t, await enrol(s, 'clinic-1'), { relayOn: true, loadWatts: 100 })
  const update = await mine.next(isPush('device-update'))
  t.match(update.data, { online: true, relayOn: true, voltage: Number, temperature: 31.2 })
  t.ok(update.data.currentPower > 90 && update.data.currentPower < 110)
  t.ok(Date.parse(update.data.lastSeenAt) <= Date.now(), 'last seen is the server receive time')
  const device = s.app.devices.registry.get(update.data.deviceId)!
  t.equal(device.externalId, p.src)
  t.equal(device.tenant, 'clinic-1')
  await until(() => device.model !== null)
  t.equal(device.model, 'SNPL-00112EU', 'Shelly.GetDeviceInfo filled the model')
  await sleep(100)
  t.same(other.all('device-update'), [], 'the other tenant got nothing')
  t.same(other.frames.filter((f) => f.type.startsWith('device')), [])
})

t.test('NotifyStatus deltas merge into the full status, null removes keys', async (t) => {
  const s = await deviceServer(t)
  const c = await tenantClient(t, s, 'clinic-1')
  const p = await plug(t, await enrol(s, 'clinic-1'), { relayOn: true, loadWatts: 100 })
  const first = await c.next(isPush('device-update'))
  const device = s.app.devices.registry.get(first.data.deviceId)!
  p.notify('NotifyStatus', { 'switch:0': { id: 0, apower: 55.5, temperature: { tF: null } }, ble: null, wifi: { ssid: null } })
  const second = await c.next(isPush('device-update'))
  t.equal(second.data.currentPower, 55.5)
  t.equal(second.data.voltage, first.data.voltage, 'keys the delta did not carry are kept')
  t.equal(second.data.relayOn, true)
  t.notOk('ble' in device.status, 'a null component is removed')
  t.same(device.status.wifi, { sta_ip: '192.168.1.50', status: 'got ip', rssi: -58 }, 'a null nested key is removed')
  t.same((device.status['switch:0'] as { temperature: unknown }).temperature, { tC: 31.2 })
  p.notify('NotifyStatus', { sys: { uptime: 99 } })
  p.notify('NotifyStatus', { 'switch:0': { id: 0, output: false, apower: 0 } })
  const third = await c.next(isPush('device-update'))
  t.match(third.data, { relayOn: false, currentPower: 0 }, 'a delta nobody sees (uptime) published nothing in between')
})

t.test('socket close: the next event is device-offline-status', async (t) => {
  const s = await deviceServer(t)
  const c = await tenantClient(t, s, 'clinic-1')
  const p = await plug(t, await enrol(s, 'clinic-1'), { relayOn: true })
  const up = await c.next(isPush('device-update'))
  p.close()
  const next = await c.next((f) => f.type.startsWith('device'))
  t.equal(next.type, 'device-offline-status')
  t.same(next.data, { deviceId: up.data.deviceId, online: false, relayOn: false, currentPower: 0, reason: 'socket_closed', lastSeenAt: next.data.lastSeenAt })
  t.equal(s.app.devices.registry.get(up.data.deviceId)!.online, false)
})

t.test('a new socket for a connected device replaces the old one without an offline event', async (t) => {
  const s = await deviceServer(t)
  const c = await tenantClient(t, s, 'clinic-1')
  const url = await enrol(s, 'clinic-1')
  const old = await plug(t, url, { mac: 'abcdef000001', relayOn: true })
  const up = await c.next(isPush('device-update'))
  const oldClosed = new Promise<number>((r) => old.socket!.once('close', (code) => r(code)))
  const fresh = new SimulatedPlug({ url, mac: 'abcdef000001', relayOn: true })
  await fresh.connect()
  t.teardown(() => fresh.terminate())
  t.equal(await oldClosed, DEVICE_CLOSE_CODES.REPLACED)
  await sleep(100)
  t.same(c.all('device-offline-status'), [], 'no spurious offline')
  t.equal(s.app.devices.registry.get(up.data.deviceId)!.online, true)
  t.equal(s.app.devices.sessions.size, 1)
  fresh.press(false)
  const off = await c.next((f) => isPush('device-update', up.data.deviceId)(f) && f.data.relayOn === false)
  t.equal(off.data.online, true, 'the new socket speaks for the device')
})

t.test('malformed frames close the socket with 1007 and are counted by reason', async (t) => {
  const s = await deviceServer(t)
  const url = await enrol(s, 'clinic-1')
  const cases: Array<[string, string | Buffer]> = [
    ['json', '{"src":"x",'],
    ['shape', '{"src":"shellyplusplugs-1","method":"NotifyStatus","params":{"switch:0":7}}'],
    ['forbidden_key', '{"src":"shellyplusplugs-1","method":"NotifyStatus","params":{"switch:0":{"__proto__":{"polluted":true}}}}'],
    ['too_deep', `{"src":"a","method":"NotifyStatus","params":{"x":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}}`],
    ['binary', Buffer.from([1, 2, 3])],
  ]
  for (const [reason, payload] of cases) {
    const before = await metric(s.http, 'switchboard_device_frames_rejected_total', `reason="${reason}"`)
    const d = await rawDevice(url)
    d.socket.send(payload)
    t.equal(await d.closed, DEVICE_CLOSE_CODES.MALFORMED_FRAME, `${reason}: closed with 1007`)
    t.equal((await metric(s.http, 'switchboard_device_frames_rejected_total', `reason="${reason}"`)) - before, 1, `${reason}: counted`)
  }
  t.equal(({} as { polluted?: boolean }).polluted, undefined)
  t.equal(s.app.devices.sessions.size, 0)
})

t.test('a socket whose src changes is closed with 1008 and its device goes offline', async (t) => {
  const s = await deviceServer(t)
  const c = await tenantClient(t, s, 'clinic-1')
  const d = await rawDevice(await enrol(s, 'clinic-1'))
  d.socket.send(JSON.stringify({ src: 'shellyplusplugs-aaaaaaaaaaaa', method: 'NotifyFullStatus', params: { 'switch:0': { output: true } } }))
  await c.next(isPush('device-update'))
  d.socket.send(JSON.stringify({ src: 'shellyplusplugs-bbbbbbbbbbbb', method: 'NotifyStatus', params: { 'switch:0': { output: false } } }))
  t.equal(await d.closed, DEVICE_CLOSE_CODES.POLICY_VIOLATION)
  t.match((await c.next(isPush('device-offline-status'))).data, { reason: 'src_changed' })
})

t.test('heartbeat: a device that stops answering pings goes offline; one that answers stays', async (t) => {
  const s = await deviceServer(t, { DEVICE_HEARTBEAT_INTERVAL_MS: '100', DEVICE_HEARTBEAT_TIMEOUT_MS: '100' })
  t.equal(s.app.devices.offline.windowMs, 225, 'documented window: interval + timeout + tick')
  const c = await tenantClient(t, s, 'clinic-1')
  const url = await enrol(s, 'clinic-1')
  await plug(t, url, { autoPong: true })
  const healthy = await c.next(isPush('device-update'))
  await plug(t, url, { autoPong: false })
  const frozen = await c.next(isPush('device-update'))
  const offline = await c.next(isPush('device-offline-status'))
  t.equal(offline.data.deviceId, frozen.data.deviceId)
  t.equal(offline.data.reason, 'heartbeat_timeout')
  await sleep(600)
  t.equal(s.app.devices.registry.get(healthy.data.deviceId)!.online, true, 'silent but answering pings: still online after several windows')
  t.same(c.all('device-offline-status').map((f) => f.data.deviceId), [frozen.data.deviceId])
  const text = await (await fetch(`${s.http}/metrics`)).text()
  t.match(text, /switchboard_device_heartbeat_timeouts_total 1\b/)
})

t.test('upgrades without a valid token are refused before the socket opens, and the token is never logged', async (t) => {
  const lines: string[] = []
  const logStream = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) })
  const s = await startServer(t, { LOG_LEVEL: 'info' }, { logStream })
  const url = await enrol(s, 'clinic-1')
  const token = new URL(url).searchParams.get('token')!
  t.match(token, /^sbd_[A-Za-z0-9_-]{43}$/)
  const refused = (u: string) => rawDevice(u).then(
    (d) => (d.socket.close(), 0),
    (e: { statusCode?: number }) => e.statusCode ?? -1,
  )
  t.equal(await refused(`${s.ws}/shelly`), 401)
  t.equal(await refused(`${s.ws}/shelly?token=sbd_${'A'.repeat(43)}`), 401)
  t.equal(await refused(`${s.ws}/shelly?token=${token.slice(0, -1)}x`), 401)
  const p = await plug(t, url)
  await until(() => s.app.devices.sessions.size === 1 && [...s.app.devices.sessions.all][0]!.device !== undefined)
  p.close()
  await until(() => s.app.devices.sessions.size === 0)
  const log = lines.join('')
  t.match(log, /\/shelly\?token=\[REDACTED\]/, 'the upgrade was logged, redacted')
  t.notOk(log.includes(token), 'the token is in no log line')
  t.notOk(log.includes(token.slice(4, 20)), 'not even part of it')
})

t.test('an address that keeps failing the token check gets 429', async (t) => {
  const s = await deviceServer(t)
  let status = 0
  for (let i = 0; i < 40 && status !== 429; i++) {
    status = await rawDevice(`${s.ws}/shelly?token=sbd_wrong${i}`).then(
      () => 0,
      (e: { statusCode?: number }) => e.statusCode ?? -1,
    )
  }
  t.equal(status, 429)
  t.ok((await metric(s.http, 'switchboard_device_upgrades_refused_total', 'reason="rate_limited"')) >= 1)
})

t.test('frames over DEVICE_MAX_FRAMES_PER_MINUTE are dropped, counted and logged; the socket stays', async (t) => {
  const lines: string[] = []
  const logStream = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) })
  const s = await startServer(t, { DEVICE_COMMAND_TIMEOUT_MS: '300', DEVICE_MAX_FRAMES_PER_MINUTE: '5', LOG_LEVEL: 'warn' }, { logStream })
  const p = await plug(t, await enrol(s, 'clinic-1'))
  const session = [...s.app.devices.sessions.all][0]!
  // the full status and the GetDeviceInfo answer came first
  await until(() => session.framesIn === 2)
  for (let i = 0; i < 9; i++) p.notify('NotifyStatus', { sys: { uptime: i } })
  await until(() => session.framesIn === 11)
  t.equal(await metric(s.http, 'switchboard_device_frames_rejected_total', 'reason="rate_limited"'), 6)
  t.equal(session.framesDropped, 6)
  const warned = lines.map((l) => JSON.parse(l) as { msg: string; dropped?: number }).filter((l) => l.msg === 'device frames over the rate limit dropped')
  t.same(warned.map((l) => l.dropped), [1], 'one warning for the six (the first drop; then every hundredth)')
  t.equal(p.socket!.readyState, WebSocket.OPEN)
})

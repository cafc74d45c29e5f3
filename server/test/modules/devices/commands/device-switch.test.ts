import t from 'tap'
import { api, deviceServer, enrol, isPush, operator, plug, tenantClient, until } from '../device-helpers.ts'

t.test('POST /api/devices/:id/switch: Switch.Set round trip, then the NotifyStatus drives the device-update', async (t) => {
  const s = await deviceServer(t)
  const c = await tenantClient(t, s, 'clinic-1')
  const p = await plug(t, await enrol(s, 'clinic-1'), { relayOn: false, loadWatts: 200 })
  const { data } = await c.next(isPush('device-update'))
  const res = await api(s, s.token(operator('clinic-1')), 'POST', `/api/devices/${data.deviceId}/switch`, { on: true })
  t.equal(res.status, 200)
  t.same(res.body, { deviceId: data.deviceId, channel: 0, on: true, wasOn: false })
  t.equal(p.relayOn, true, 'the device got Switch.Set')
  const update = await c.next((f) => isPush('device-update', data.deviceId)(f) && f.data.relayOn === true)
  t.equal(update.data.online, true)
  const off = await api(s, s.token({ sub: 'svc', tenant: 'clinic-1', roles: ['service'] }), 'POST', `/api/devices/${data.deviceId}/switch`, { on: false })
  t.same(off.body, { deviceId: data.deviceId, channel: 0, on: false, wasOn: true }, 'a service may switch too')
})

t.test('the device refuses, times out, or is gone: 502, 504, 409 with codes', async (t) => {
  const s = await deviceServer(t)
  const c = await tenantClient(t, s, 'clinic-1')
  const op = s.token(operator('clinic-1'))
  const p = await plug(t, await enrol(s, 'clinic-1'))
  const { data } = await c.next(isPush('device-update'))
  const refused = await api(s, op, 'POST', `/api/devices/${data.deviceId}/switch`, { on: true, channel: 3 })
  t.equal(refused.status, 502)
  t.match(refused.body, { code: 'DEVICE_ERROR', message: /-105/ })
  p.answerRequests = false
  const late = await api(s, op, 'POST', `/api/devices/${data.deviceId}/switch`, { on: true })
  t.equal(late.status, 504)
  t.match(late.body, { code: 'DEVICE_TIMEOUT' })
  t.equal(p.relayOn, false, 'the hanging device did nothing')
  p.close()
  await c.next(isPush('device-offline-status'))
  const gone = await api(s, op, 'POST', `/api/devices/${data.deviceId}/switch`, { on: true })
  t.equal(gone.status, 409)
  t.match(gone.body, { code: 'DEVICE_OFFLINE' })
  const metrics = await (await fetch(`${s.http}/metrics`)).text()
  t.match(metrics, /switchboard_device_commands_total\{result="device_timeout"\} 1/)
})

t.test('who may switch: not staff without a control role, never another tenant', async (t) => {
  const s = await deviceServer(t, { DEVICE_CONTROL_ROLES: 'nurse' })
  const c = await tenantClient(t, s, 'clinic-1')
  await plug(t, await enrol(s, 'clinic-1'))
  const { data } = await c.next(isPush('device-update'))
  const path = `/api/devices/${data.deviceId}/switch`
  t.equal((await api(s, s.token({ sub: 'u', tenant: 'clinic-1', roles: ['staff'] }), 'POST', path, { on: true })).status, 403)
  t.equal((await api(s, s.token({ sub: 'n', tenant: 'clinic-1', roles: ['nurse'] }), 'POST', path, { on: true })).status, 200)
  t.equal((await api(s, s.token(operator('clinic-2')), 'POST', path, { on: true })).status, 404, "another tenant's device looks absent")
  t.equal((await api(s, s.token({ sub: 'root', tenant: 'ops', roles: ['admin'] }), 'POST', path, { on: false })).status, 200, 'admin reaches every tenant')
  t.equal((await api(s, s.token(operator('clinic-1')), 'POST', path, { on: 'yes' })).status, 400)
})

t.test('device:switch over the client socket: result frame, or an error frame echoing the id', async (t) => {
  const s = await deviceServer(t)
  const op = await tenantClient(t, s, 'clinic-1', ['tenant-admin'])
  const staff = await tenantClient(t, s, 'clinic-1', ['staff'])
  const p = await plug(t, await enrol(s, 'clinic-1'), { relayOn: true })
  const { data } = await op.next(isPush('device-update'))
  const ok = await op.request({ type: 'device:switch', deviceId: data.deviceId, on: false }, 'd1')
  t.same(ok, { type: 'device:switch:result', id: 'd1', deviceId: data.deviceId, channel: 0, on: false, wasOn: true })
  t.equal(p.relayOn, false)
  // the device's NotifyStatus and the reply race; either order is right
  t.ok(await until(() => op.all('device-update').some((f) => f.data.deviceId === data.deviceId && f.data.relayOn === false && f.data.online)), 'the new state arrived as a device-update')
  t.match(await staff.request({ type: 'device:switch', deviceId: data.deviceId, on: true }, 'd2'), { type: 'error', id: 'd2', code: 'FORBIDDEN' })
  t.match(await op.request({ type: 'device:switch', deviceId: 'dev_nope', on: true }, 'd3'), { type: 'error', id: 'd3', code: 'NOT_FOUND' })
  t.match(await op.request({ type: 'device:switch', deviceId: data.deviceId, on: 'x' }, 'd4'), { type: 'error', id: 'd4', code: 'INVALID_FRAME' })
  p.answerRequests = false
  t.match(await op.request({ type: 'device:switch', deviceId: data.deviceId, on: true }, 'd5'), { type: 'error', id: 'd5', code: 'DEVICE_TIMEOUT', temporary: true })
})

t.test('the typed client: request("device:switch") resolves with the result; on("device-update") sees the change', async (t) => {
  const { SwitchboardClient } = await import('@switchboard/shared/client')
  const s = await deviceServer(t)
  const client = new SwitchboardClient({ url: s.ws, token: () => s.token(operator('clinic-1')) })
  t.teardown(() => client.close())
  const updates: Array<{ deviceId: string; relayOn: boolean | null }> = []
  client.on('device-update', (data) => void updates.push(data))
  await client.connect()
  await plug(t, await enrol(s, 'clinic-1'), { relayOn: false })
  await until(() => updates.length > 0)
  const result = await client.request({ type: 'device:switch', deviceId: updates[0]!.deviceId, on: true })
  t.same(result, { type: 'device:switch:result', id: result.id, deviceId: updates[0]!.deviceId, channel: 0, on: true, wasOn: false })
  t.ok(await until(() => updates.some((u) => u.relayOn === true)))
})

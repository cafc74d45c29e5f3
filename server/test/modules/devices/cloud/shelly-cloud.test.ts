import t from 'tap'
import { SimulatedShellyCloud } from '../../../../src/modules/devices/simulator/simulated-cloud.ts'
import type { MemoryDeviceStore, MemoryUpstreamStore } from '../../../../src/modules/devices/storage/memory-stores.ts'
import type { TestServer } from '../../../helpers/server.ts'
import { api, deviceServer, isPush, operator, sleep, tenantClient, until } from '../device-helpers.ts'

const FAST = { SHELLY_CLOUD_RECONNECT_INITIAL_MS: '50', SHELLY_CLOUD_RECONNECT_MAX_MS: '200' }

async function simulatedCloud(t: { teardown(fn: () => unknown): void }, n: number, token = 'cloud-secret') {
  const cloud = new SimulatedShellyCloud({ token, deviceIds: Array.from({ length: n }, (_, i) => `e8db84${i.toString(16).padStart(6, '0')}`) })
  const url = await cloud.listen()
  t.teardown(() => cloud.close())
  return { cloud, url }
}

async function addAccount(s: TestServer, host: string, accessToken = 'cloud-secret') {
  return api(s, s.token(operator('clinic-1')), 'POST', '/api/devices/cloud-accounts', { name: 'main account', host, accessToken })
}

const cloudDevices = (s: TestServer) => [...s.app.devices.registry.all()].filter((d) => d.source === 'cloud')

t.test('a cloud account connects; its devices come online from Shelly:Online and StatusOnChange', async (t) => {
  const s = await deviceServer(t, FAST)
  const c = await tenantClient(t, s, 'clinic-1')
  const { cloud, url } = await simulatedCloud(t, 3)
  const created = await addAccount(s, url)
  t.equal(created.status, 201)
  t.match(created.body, { tenant: 'clinic-1', name: 'main account', host: url, status: 'connected', autoReconnect: true, connectionId: `shelly-${created.body.id}` })
  t.notOk(JSON.stringify(created.body).includes('cloud-secret'), 'the access token is never returned')
  t.ok(await until(() => cloudDevices(s).filter((d) => d.online && d.readings.relayOn === false).length === 3))
  const d = cloudDevices(s)[0]!
  t.match(d, { tenant: 'clinic-1', upstreamId: created.body.connectionId, model: 'SNPL-00112EU', generation: 2 })
  const update = await c.next(isPush('device-update'))
  t.equal(update.data.online, true)
  cloud.setOnline(d.externalId, false)
  t.match((await c.next(isPush('device-offline-status', d.id))).data, { reason: 'upstream_reported_offline' })
  const listed = await api(s, s.token(operator('clinic-1')), 'GET', '/api/devices/cloud-accounts')
  t.match(listed.body.items, [{ id: created.body.id, status: 'connected', devices: 3 }])
})

t.test('switching a cloud device: Shelly:CommandRequest/CommandResponse by trid, then the status change', async (t) => {
  const s = await deviceServer(t, FAST)
  const c = await tenantClient(t, s, 'clinic-1')
  const { cloud, url } = await simulatedCloud(t, 2)
  await addAccount(s, url)
  await until(() => cloudDevices(s).filter((d) => d.online).length === 2)
  const d = cloudDevices(s)[0]!
  const res = await api(s, s.token(operator('clinic-1')), 'POST', `/api/devices/${d.id}/switch`, { on: true })
  t.same(res.body, { deviceId: d.id, channel: 0, on: true, wasOn: false })
  t.equal(cloud.devices.get(d.externalId)!.relayOn, true)
  t.match((await c.next((f) => isPush('device-update', d.id)(f) && f.data.relayOn === true)).data, { online: true })
  cloud.answerCommands = false
  t.match((await api(s, s.token(operator('clinic-1')), 'POST', `/api/devices/${d.id}/switch`, { on: false })).body, { code: 'DEVICE_TIMEOUT' })
})

t.test('upstream loss: every device of the connection offline in ONE bulk update, one event each; back only with real messages', async (t) => {
  const s = await deviceServer(t, FAST)
  const c = await tenantClient(t, s, 'clinic-1')
  const { cloud, url } = await simulatedCloud(t, 5)
  const created = await addAccount(s, url)
  await until(() => cloudDevices(s).filter((d) => d.online).length === 5)
  const store = s.app.devices.store as MemoryDeviceStore
  const bulkBefore = store.stats.bulkUpdates
  // nothing from the cloud after the reconnect until we say so
  const savedDevices = new Map(cloud.devices)
  cloud.devices.clear()
  cloud.dropAll()
  const offline = await Promise.all(cloudDevices(s).map((d) => c.next(isPush('device-offline-status', d.id))))
  t.equal(offline.length, 5)
  t.ok(offline.every((f) => f.data.reason === 'upstream_disconnected' && f.data.relayOn === false && f.data.currentPower === 0))
  t.equal(store.stats.bulkUpdates - bulkBefore, 1, 'one bulk update for all five')
  t.ok([...store.rows.values()].filter((r) => r.source === 'cloud').every((r) => !r.online && r.relayOn === false && r.currentPower === 0))
  t.ok(await until(() => cloud.clients.size === 1 && s.app.devices.cloud.statusCounts().connected === 1), 'reconnected with backoff')
  await sleep(100)
  t.equal(cloudDevices(s).filter((d) => d.online).length, 0, 'reconnecting marks nothing online')
  for (const [id, d] of savedDevices) cloud.devices.set(id, d)
  cloud.pushStatus([...savedDevices.keys()][0]!)
  t.ok(await until(() => cloudDevices(s).filter((d) => d.online).length === 1), 'a real message brings its device back')
  const upstream = s.app.devices.upstream as MemoryUpstreamStore
  t.match(upstream.rows.get(created.body.connectionId), { status: 'connected', autoReconnect: true })
})

t.test('auto_reconnect off: a lost connection stays down', async (t) => {
  const s = await deviceServer(t, FAST)
  const { cloud, url } = await simulatedCloud(t, 1)
  const created = await addAccount(s, url)
  await until(() => cloudDevices(s).some((d) => d.online))
  await s.app.devices.upstream.setAutoReconnect(created.body.connectionId, false)
  const connections = cloud.stats.connections
  cloud.dropAll()
  await until(() => s.app.devices.cloud.statusCounts().disconnected === 1)
  await sleep(400)
  t.equal(cloud.stats.connections, connections, 'no reconnect attempt')
  t.equal(cloudDevices(s)[0]!.online, false)
})

t.test('the cloud refusing the credentials is an error status, not a retry loop', async (t) => {
  const s = await deviceServer(t, FAST)
  const { cloud, url } = await simulatedCloud(t, 1)
  const created = await addAccount(s, url, 'wrong-token')
  t.equal(created.status, 201)
  t.match(created.body, { status: 'error', errorMessage: /401/ })
  await sleep(300)
  t.equal(cloud.stats.refused, 1, 'one attempt only')
})

t.test('a cloud that is down is retried with backoff until it comes up', async (t) => {
  const s = await deviceServer(t, FAST)
  const { cloud, url } = await simulatedCloud(t, 1)
  cloud.refuseWith = 503
  const created = await addAccount(s, url)
  t.equal(created.body.status, 'reconnecting')
  await until(() => cloud.stats.refused >= 3)
  cloud.refuseWith = 0
  t.ok(await until(() => s.app.devices.cloud.statusCounts().connected === 1))
  t.ok(await until(() => cloudDevices(s).some((d) => d.online)))
})

t.test('cloud accounts are for operators; deleting one stops it and takes its devices offline', async (t) => {
  const s = await deviceServer(t, FAST)
  const { cloud, url } = await simulatedCloud(t, 2)
  t.equal((await api(s, s.token({ sub: 'u', tenant: 'clinic-1', roles: ['staff'] }), 'POST', '/api/devices/cloud-accounts', { name: 'x', host: url, accessToken: 'cloud-secret' })).status, 403)
  const created = await addAccount(s, url)
  await until(() => cloudDevices(s).filter((d) => d.online).length === 2)
  t.equal((await api(s, s.token(operator('clinic-2')), 'DELETE', `/api/devices/cloud-accounts/${created.body.id}`)).status, 404)
  t.equal((await api(s, s.token(operator('clinic-1')), 'DELETE', `/api/devices/cloud-accounts/${created.body.id}`)).status, 204)
  t.ok(await until(() => cloud.clients.size === 0))
  t.equal(cloudDevices(s).filter((d) => d.online).length, 0)
  t.same((await api(s, s.token(operator('clinic-1')), 'GET', '/api/devices/cloud-accounts')).body.items, [])
})

t.test('without DEVICE_CREDENTIALS_KEY (production) no account can be added: 503', async (t) => {
  const s = await deviceServer(t, { NODE_ENV: 'production', ALLOWED_ORIGINS: 'https://a.example' })
  const res = await api(s, s.token(operator('clinic-1')), 'POST', '/api/devices/cloud-accounts', { name: 'x', host: 'ws://127.0.0.1:1/x', accessToken: 't' })
  t.equal(res.status, 503)
  t.match(res.body, { code: 'UNAVAILABLE', message: /DEVICE_CREDENTIALS_KEY/ })
})

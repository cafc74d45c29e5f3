import t from 'tap'
import { query, tableName } from '../../../src/storage/database.ts'
import { eventually } from '../../helpers/app.ts'
import { startDatabaseCluster } from '../../helpers/cluster.ts'
import { openTestDatabase } from '../../helpers/database.ts'
import type { TestServer } from '../../helpers/server.ts'
import { api, enrol, isPush, operator, plug, sleep, tenantClient, until } from './device-helpers.ts'

/**
 * Two instances sharing Redis and PostgreSQL; a plug connected to A, its
 * operator working through B (as a load balancer would send them).
 */
t.test('a device seen by one instance is known to the other; approval, naming and rejection made there reach the one serving it', async (t) => {
  const db = await openTestDatabase('postgresql')
  t.teardown(() => db.close())
  const { nodes } = await startDatabaseCluster(t, 'device-settings', db, ['a', 'b'], { DEVICE_AUTO_ADMIT: 'false', DEVICE_COMMAND_TIMEOUT_MS: '20000' })
  const [a, b] = nodes as [TestServer, TestServer]
  const op = b.token(operator('clinic-1'))
  const watcher = await tenantClient(t, a, 'clinic-1')

  const p = await plug(t, await enrol(a, 'clinic-1'))
  t.ok(await until(() => [...a.app.devices.registry.all()].some((d) => d.online)), 'online on a, pending')
  const id = [...a.app.devices.registry.all()][0]!.id
  t.ok(await until(() => b.app.devices.registry.get(id) !== undefined), 'b knows the new device')
  t.ok(await until(() => b.app.devices.registry.get(id)!.online), 'with the live state of the instance serving it')
  t.match(b.app.devices.registry.get(id), { approval: 'pending' })
  t.equal(b.app.devices.commands.servesHere(b.app.devices.registry.get(id)!), false, 'not served by b')

  // approved through b, whose copy holds the live state a shares: the approved device's state is published once
  const approved = await api(b, op, 'POST', `/api/devices/${id}/approve`)
  t.equal(approved.status, 200, JSON.stringify(approved.body))
  t.match((await watcher.next(isPush('device-update', id))).data, { deviceId: id, online: true }, 'the approved device\'s state is published')
  t.equal(a.app.devices.registry.get(id)!.approval, 'approved')
  await sleep(200) // a second copy of the event, had an instance sent one, would be here by now
  t.equal(watcher.all('device-update').filter((f) => f.data?.deviceId === id).length, 1, 'once, not once per instance')

  // named and assigned through b: a's copy follows, and a's later state writes keep them
  t.equal((await api(b, op, 'PATCH', `/api/devices/${id}`, { name: 'Ward 3 kettle' })).status, 200)
  t.equal((await api(b, op, 'PUT', `/api/devices/${id}/assignment`, { equipmentId: 'eq-7', equipmentName: 'Kettle' })).status, 200)
  t.ok(await until(() => a.app.devices.registry.get(id)!.name === 'Ward 3 kettle' && a.app.devices.registry.get(id)!.equipmentId === 'eq-7'), 'a\'s copy follows')
  p.press(true)
  await watcher.next((f) => isPush('device-update', id)(f) && f.data.relayOn === true)
  const listed = await api(a, a.token(operator('clinic-1')), 'GET', `/api/devices/${id}`)
  t.match(listed.body, { name: 'Ward 3 kettle', equipmentId: 'eq-7', relayOn: true })
  t.ok(await until(() => b.app.devices.registry.get(id)!.readings.relayOn === true), 'b\'s copy shows the live state too')
  t.match((await api(b, op, 'GET', `/api/devices/${id}`)).body, { online: true, relayOn: true, name: 'Ward 3 kettle' }, 'whichever instance answers the REST call')
  const row = async () => (await query<Record<string, unknown>>(db.orm, `select * from ${tableName(db.orm, 'device')} where id = ?`, [id]))[0]
  t.equal((await eventually(row, (r) => r?.relay_on === true))?.relay_on, true, 'a wrote the new state')
  t.match(await row(), { name: 'Ward 3 kettle', equipment_id: 'eq-7', approval: 'approved' }, 'over b\'s settings, which it kept')

  // switched through b: relayed to a, which holds the socket
  const switched = await api(b, op, 'POST', `/api/devices/${id}/switch`, { on: false })
  t.same(switched, { status: 200, body: { deviceId: id, channel: 0, on: false, wasOn: true } })
  t.equal(p.relayOn, false, 'the plug switched')
  const viaSocket = await tenantClient(t, b, 'clinic-1', ['tenant-admin'])
  viaSocket.send({ type: 'device:switch', id: 'r1', deviceId: id, on: true })
  t.match(await viaSocket.next('device:switch:result'), { id: 'r1', deviceId: id, on: true, wasOn: false }, 'and over b\'s client socket')

  // rejected through b: a closes the plug's socket
  const closed = new Promise<number>((r) => p.socket!.once('close', (code) => r(code)))
  t.equal((await api(b, op, 'POST', `/api/devices/${id}/reject`)).status, 200)
  t.equal(await Promise.race([closed, sleep(5_000).then(() => 'still open')]), 4011, 'closed by a with the rejection code')
  // a device connected nowhere: every instance says so, and the answer comes at once, not after the 20 s bound
  const q = await plug(t, await enrol(a, 'clinic-1'))
  t.ok(await until(() => a.app.devices.registry.size === 2 && b.app.devices.registry.size === 2))
  const qid = [...b.app.devices.registry.all()].find((d) => d.id !== id)!.id
  t.equal((await api(b, op, 'POST', `/api/devices/${qid}/approve`)).status, 200)
  q.terminate()
  t.ok(await until(() => a.app.devices.sessions.current(qid) === undefined), 'a saw it go')
  const started = Date.now()
  const offline = await api(b, op, 'POST', `/api/devices/${qid}/switch`, { on: true })
  t.match(offline, { status: 409, body: { code: 'DEVICE_OFFLINE', message: /not connected to any instance/ } })
  t.ok(Date.now() - started < 10_000, 'answered without waiting for the command bound')
})

t.test('a device that reconnects to the other instance before its old socket is seen dead: handed over, never offline, its state still written', async (t) => {
  const db = await openTestDatabase('postgresql')
  t.teardown(() => db.close())
  const { nodes } = await startDatabaseCluster(t, 'device-handover', db, ['a', 'b'], { DEVICE_COMMAND_TIMEOUT_MS: '2000' })
  // b started after a: it serves the plug first, then the plug moves to a (whose versions started lower)
  const [a, b] = nodes as [TestServer, TestServer]
  const watcher = await tenantClient(t, a, 'clinic-1')
  const first = await plug(t, await enrol(b, 'clinic-1'), { mac: 'aabbcc000777' })
  t.ok(await until(() => [...b.app.devices.registry.all()].some((d) => d.online)))
  const id = [...b.app.devices.registry.all()][0]!.id
  t.ok(await until(() => a.app.devices.registry.get(id) !== undefined))
  const row = async () => (await query<Record<string, unknown>>(db.orm, `select online, relay_on from ${tableName(db.orm, 'device')} where id = ?`, [id]))[0]
  t.equal((await eventually(row, (r) => r?.online === true))?.online, true, 'b wrote it online')

  // the same plug on a (its old socket to b still open, as after a network change)
  const replaced = new Promise<number>((r) => first.socket!.once('close', (code) => r(code)))
  const second = await plug(t, await enrol(a, 'clinic-1'), { mac: 'aabbcc000777' })
  t.equal(await Promise.race([replaced, sleep(5_000).then(() => 'still open')]), 4010, 'b closed the old socket as replaced')
  t.ok(await until(() => a.app.devices.sessions.current(id) !== undefined && a.app.devices.registry.get(id)!.online), 'a serves it')
  t.equal(b.app.devices.sessions.current(id), undefined)
  t.equal(b.app.devices.commands.servesHere(b.app.devices.registry.get(id)!), false, 'b no longer serves it')
  t.equal(b.app.devices.registry.get(id)!.online, true, 'and its copy still shows it online: it is, on a')

  // commands follow it, and a's state writes land over b's
  const op = b.token(operator('clinic-1'))
  t.match(await api(b, op, 'POST', `/api/devices/${id}/switch`, { on: true }), { status: 200, body: { on: true } })
  t.equal(second.relayOn, true)
  t.equal((await eventually(row, (r) => r?.relay_on === true))?.relay_on, true, 'a\'s newer state is in the table')

  // b's clean shutdown does not mark it offline
  await b.close()
  await sleep(200) // an offline write or event, had there been one, would be out by now
  t.match(await row(), { online: true, relay_on: true }, 'still online in the table')
  t.same(watcher.all('device-offline-status').filter((f) => f.data?.deviceId === id), [], 'no offline event at any point')
})

t.test('an instance dies with devices on it: the survivor that cleans up after it marks them offline', async (t) => {
  const db = await openTestDatabase('postgresql')
  t.teardown(() => db.close())
  const { nodes } = await startDatabaseCluster(t, 'device-dead', db, ['survivor', 'doomed'], { CLUSTER_HEARTBEAT_MS: '100', CLUSTER_LEASE_MS: '400' })
  const [survivor, doomed] = nodes as [TestServer, TestServer]
  const watcher = await tenantClient(t, survivor, 'clinic-1')
  await plug(t, await enrol(doomed, 'clinic-1'))
  t.ok(await until(() => [...survivor.app.devices.registry.all()].some((d) => d.online)), 'the survivor\'s copy shows it online')
  const id = [...survivor.app.devices.registry.all()][0]!.id

  doomed.app.cluster.redisRegistry!.abandon() // it "crashes": no heartbeat, no cleanup, sockets still open
  const offline = await watcher.next(isPush('device-offline-status', id), 5_000)
  t.match(offline.data, { deviceId: id, online: false, reason: 'instance_lost' })
  const row = async () => (await query<Record<string, unknown>>(db.orm, `select online from ${tableName(db.orm, 'device')} where id = ?`, [id]))[0]
  t.equal((await eventually(row, (r) => r?.online === false))?.online, false, 'offline in the table')
})

t.test('an enrolment token revoked on one instance cuts the devices it admitted on the other, at once', async (t) => {
  const db = await openTestDatabase('postgresql')
  t.teardown(() => db.close())
  const { nodes } = await startDatabaseCluster(t, 'device-token', db, ['a', 'b'])
  const [a, b] = nodes as [TestServer, TestServer]
  const op = a.token(operator('clinic-1'))
  const issued = await api(a, op, 'POST', '/api/devices/enrolment-tokens', { label: 'ward 3' })
  t.equal(issued.status, 201)
  // the URL names a's host; the device reaches b (a load balancer)
  const p = await plug(t, String(issued.body.url).replace(a.ws, b.ws))
  t.ok(await until(() => b.app.devices.sessions.size === 1 && [...b.app.devices.registry.all()].some((d) => d.online)), 'admitted by b')

  const closed = new Promise<number>((r) => p.socket!.once('close', (code) => r(code)))
  t.equal((await api(a, op, 'DELETE', `/api/devices/enrolment-tokens/${issued.body.id}`)).status, 200)
  t.equal(await Promise.race([closed, sleep(5_000).then(() => 'still open')]), 4012, 'b cut it with the revocation code')
  await t.rejects(p.connect(), /401/, 'b refuses the token at the upgrade (its cached admission went too)')
})

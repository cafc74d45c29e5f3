import { randomUUID } from 'node:crypto'
import t from 'tap'
import { SimulatedPlug } from '../../../src/modules/devices/simulator/simulated-plug.ts'
import { SimulatedShellyCloud } from '../../../src/modules/devices/simulator/simulated-cloud.ts'
import type { OrmDeviceStore } from '../../../src/modules/devices/storage/orm-stores.ts'
import { query, tableName } from '../../../src/storage/database.ts'
import { eventually, persistenceApp, type TestApp } from '../../helpers/app.ts'
import { DRIVERS, openTestDatabase, type TestDatabase } from '../../helpers/database.ts'

const ENV = { SHELLY_CLOUD_RECONNECT_INITIAL_MS: '50', SHELLY_CLOUD_RECONNECT_MAX_MS: '200', DEVICE_COMMAND_TIMEOUT_MS: '500' }

type Row = Record<string, unknown>

async function call(a: TestApp, bearer: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${a.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, 'user-agent': 'devices-test/1', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db: TestDatabase = await openTestDatabase(driver)
    t.teardown(() => db.close())
    const rows = (sql: string, params: unknown[] = []) => query<Row>(db.orm, sql.replaceAll(/\{(\w+)\}/g, (_, name: string) => tableName(db.orm, name)), params)

    let a = await persistenceApp(db, ENV)
    t.teardown(() => a.app.close())
    const op = () => a.token({ sub: 'op', tenant: 'clinic-1', roles: ['tenant-admin'] })

    const cloud = new SimulatedShellyCloud({ token: 'cloud-secret', deviceIds: ['e8db84000001', 'e8db84000002', 'e8db84000003', 'e8db84000004'] })
    const cloudUrl = await cloud.listen()
    t.teardown(() => cloud.close())

    const enrolled = await call(a, op(), 'POST', '/api/devices/enrolment-tokens', { label: 'ward' })
    t.equal(enrolled.status, 201)
    const plug = new SimulatedPlug({ url: enrolled.body.url, mac: 'aabbccddee01', relayOn: false, loadWatts: 300 })
    t.teardown(() => plug.terminate())

    await t.test('enrolment tokens are stored as SHA-256 only', async (t) => {
      const stored = await rows('select * from {device_enrolment_token}')
      t.equal(stored.length, 1)
      t.equal(stored[0]!.token_hash, (await import('../../../src/modules/devices/enrolment/enrolment-tokens.ts')).hashToken(enrolled.body.token))
      t.notOk(JSON.stringify(stored).includes(enrolled.body.token))
    })

    await t.test('device state reaches the device table through the batched writer', async (t) => {
      await plug.connect()
      const device = await eventually(
        async () => (await rows('select * from {device} where external_id = ?', [plug.src]))[0],
        (r) => r !== undefined && r.online === true && r.model === 'SNPL-00112EU',
      )
      t.match(device, { tenant: 'clinic-1', source: 'direct', approval: 'approved', online: true, relay_on: false })
      const res = await call(a, op(), 'POST', `/api/devices/${device!.id}/switch`, { on: true })
      t.same(res.body, { deviceId: device!.id, channel: 0, on: true, wasOn: false })
      const after = await eventually(
        async () => (await rows('select * from {device} where id = ?', [device!.id]))[0],
        (r) => r?.relay_on === true && Number(r.current_power) > 250,
      )
      t.equal(after!.relay_on, true)
      t.ok(Number(after!.current_power) > 250)
      t.ok(Number(after!.state_seq) > Number(device!.state_seq))
    })

    await t.test('a late, older snapshot never overwrites a newer row', async (t) => {
      const store = a.app.devices.store as OrmDeviceStore
      const [row] = await store.repo.loadAll()
      await store.repo.upsert([{ ...row!, relayOn: false, currentPower: 1, stateSeq: row!.stateSeq - 1 }])
      const [again] = await store.repo.loadAll()
      t.same([again!.relayOn, again!.currentPower], [row!.relayOn, row!.currentPower])
      t.equal(await store.repo.bulkOffline({ ids: [row!.id], at: new Date().toISOString(), seq: row!.stateSeq - 1 }), 0, 'an older bulk update changes nothing')
    })

    await t.test('an operator setting saved by one instance survives another instance\'s later state write of its older copy', async (t) => {
      const store = a.app.devices.store as OrmDeviceStore
      const [row] = await store.repo.loadAll()
      // "another instance": its copy has an older name and assignment, and a lower state counter
      await store.repo.saveConfig({ ...row!, name: 'Ward 3 kettle', equipmentId: 'eq-9', equipmentName: 'Kettle', stateSeq: row!.stateSeq - 100 })
      const [renamed] = await store.repo.loadAll()
      t.match(renamed, { name: 'Ward 3 kettle', equipmentId: 'eq-9', equipmentName: 'Kettle', stateSeq: row!.stateSeq }, 'saved whatever its counter; the state version is untouched')
      // the serving instance writes newer state from its copy, which still holds the old settings
      await store.repo.upsert([{ ...row!, currentPower: 123, stateSeq: row!.stateSeq + 1 }])
      const [after] = await store.repo.loadAll()
      t.match(after, { name: 'Ward 3 kettle', equipmentId: 'eq-9', equipmentName: 'Kettle', currentPower: 123, stateSeq: row!.stateSeq + 1 }, 'state applied, settings kept')
      await store.repo.saveConfig({ ...row!, name: row!.externalId })
      await store.repo.upsert([{ ...row!, name: 'Plug S (device name)', stateSeq: row!.stateSeq + 2 }])
      t.equal((await store.repo.loadAll())[0]!.name, 'Plug S (device name)', 'the name a device gives itself is taken while no operator named it')
      await store.repo.saveConfig({ ...row! }) // back as it was, for the tests below
    })

    await t.test('a new device\'s first state write and an operator\'s first save, made at once by two instances, both land', async (t) => {
      // on PostgreSQL the two inserts race on the external key, which is not the upserts' arbiter
      const store = a.app.devices.store as OrmDeviceStore
      const [row] = await store.repo.loadAll()
      const ids: string[] = []
      const failures: unknown[] = []
      for (let i = 0; i < 200; i++) {
        const fresh = { ...row!, id: randomUUID(), externalId: `race-${i}`, name: `race-${i}`, approval: 'pending' as const, stateSeq: row!.stateSeq + 1 }
        ids.push(fresh.id)
        const settled = await Promise.allSettled([store.repo.upsert([fresh]), store.repo.saveConfig({ ...fresh, approval: 'approved', name: 'Ward 3 kettle' })])
        for (const s of settled) if (s.status === 'rejected') failures.push(String(s.reason))
      }
      t.same(failures, [], 'no write failed')
      const stored = (await store.repo.loadAll()).filter((d) => ids.includes(d.id))
      t.equal(stored.length, ids.length, 'every row written')
      t.ok(stored.every((d) => d.approval === 'approved' && d.name === 'Ward 3 kettle' && d.stateSeq === row!.stateSeq + 1), 'each with the operator\'s settings and the state write\'s version, whichever came first')
      await rows('delete from {device} where id in (select value from json_array_elements_text(?::json))', [JSON.stringify(ids)])
    })

    let connectionId = ''
    await t.test('a cloud account: credentials sealed at rest, its connection a SHELLY row of websocket_connection', async (t) => {
      const created = await call(a, op(), 'POST', '/api/devices/cloud-accounts', { name: 'clinic cloud', host: cloudUrl, accessToken: 'cloud-secret' })
      t.equal(created.status, 201)
      connectionId = created.body.connectionId
      const [account] = await rows('select * from {shelly_cloud_account}')
      t.match(account, { tenant: 'clinic-1', name: 'clinic cloud', sealed_token: /^v1\./ })
      t.notOk(JSON.stringify(account).includes('cloud-secret'), 'no plaintext token in the table')
      const conn = await eventually(
        async () => (await rows('select * from {websocket_connection} where id = ?', [connectionId]))[0],
        (r) => r?.status === 'connected' && r.last_ping_at !== null,
      )
      t.match(conn, { type: 'SHELLY', reference_id: created.body.id, tenant: 'clinic-1', status: 'connected', auto_reconnect: true })
      t.notOk(JSON.stringify(conn).includes('cloud-secret'))
      const cloudRows = await eventually(
        () => rows(`select * from {device} where source = 'cloud' and online`),
        (r) => r.length === 4,
      )
      t.ok(cloudRows.every((r) => r.upstream_id === connectionId))
      const listed = await call(a, op(), 'GET', '/api/websocket/connections?type=SHELLY')
      t.match(listed.body.items, [{ id: connectionId, type: 'SHELLY', status: 'connected', autoReconnect: true }])
    })

    await t.test('upstream loss: one UPDATE takes all the connection’s devices offline in the table', async (t) => {
      const store = a.app.devices.store as OrmDeviceStore
      const calls: number[] = []
      const original = store.repo.bulkOffline.bind(store.repo)
      store.repo.bulkOffline = async (bulk) => {
        calls.push(bulk.ids.length)
        return original(bulk)
      }
      t.teardown(() => void (store.repo.bulkOffline = original))
      const saved = new Map(cloud.devices)
      cloud.devices.clear()
      cloud.dropAll()
      const offline = await eventually(
        () => rows(`select * from {device} where source = 'cloud'`),
        (r) => r.every((x) => x.online === false),
      )
      t.ok(offline.every((r) => r.online === false && r.relay_on === false && Number(r.current_power) === 0))
      t.same(calls, [4], 'one bulk statement for the four devices')
      for (const [k, v] of saved) cloud.devices.set(k, v)
      await eventually(
        async () => (await rows('select status from {websocket_connection} where id = ?', [connectionId]))[0]?.status,
        (s) => s === 'connected',
      )
    })

    await t.test('POST /api/websocket/:connectionId/:action runs the connector: stop, toggle-reconnect, start, restart', async (t) => {
      const stop = await call(a, op(), 'POST', `/api/websocket/${connectionId}/stop`)
      t.same(stop.body, { success: true, message: 'stop sent to the SHELLY connector', data: { connectionId, status: 'disconnected', autoReconnect: false } })
      t.ok(await eventually(async () => cloud.clients.size, (n) => n === 0) === 0)
      const down = await eventually(() => rows(`select online from {device} where source = 'cloud'`), (r) => r.every((x) => x.online === false))
      t.ok(down.every((r) => r.online === false), 'stopping the connection takes its devices offline')
      const toggle = await call(a, op(), 'POST', `/api/websocket/${connectionId}/toggle-reconnect`)
      t.match(toggle.body.data, { status: 'disconnected', autoReconnect: true }, 'flipped without changing state')
      t.equal(cloud.clients.size, 0)
      const start = await call(a, op(), 'POST', `/api/websocket/${connectionId}/start`)
      t.match(start.body.data, { status: 'connected', autoReconnect: true })
      t.equal(cloud.clients.size, 1)
      const before = cloud.stats.connections
      const restart = await call(a, op(), 'POST', `/api/websocket/${connectionId}/restart`)
      t.match(restart.body.data, { status: 'connected', autoReconnect: true })
      t.equal(cloud.stats.connections, before + 1, 'a new socket')
      const audit = await eventually(
        () => rows(`select * from {websocket_log} where connection_id = ? and event_type = 'action'`, [connectionId]),
        (r) => r.length === 4,
      )
      t.equal(audit.length, 4, 'each action audited')
      const logged = await rows(`select event_type from {websocket_log} where connection_id = ? and event_type in ('connect', 'disconnect')`, [connectionId])
      t.ok(logged.some((r) => r.event_type === 'connect') && logged.some((r) => r.event_type === 'disconnect'), 'connector events are logged')
    })

    await t.test('after a restart: devices load offline, tokens still admit, the account reconnects by itself', async (t) => {
      await a.app.close()
      const connectionsBefore = cloud.stats.connections
      a = await persistenceApp(db, ENV)
      const devices = [...a.app.devices.registry.all()]
      t.equal(devices.length, 5)
      t.ok(devices.every((d) => !d.online), 'nothing online before a real message')
      t.equal((await a.app.devices.enrolment.verify(enrolled.body.token))?.tenant, 'clinic-1')
      t.ok(await eventually(async () => cloud.stats.connections, (n) => n > connectionsBefore))
      t.ok(await eventually(async () => [...a.app.devices.registry.all()].filter((d) => d.online).length, (n) => n === 4))
    })

    await t.test('an account an operator stopped stays stopped across a restart, and its row says so', async (t) => {
      t.match((await call(a, op(), 'POST', `/api/websocket/${connectionId}/stop`)).body.data, { status: 'disconnected', autoReconnect: false })
      await a.app.close()
      await query(db.orm, `update ${tableName(db.orm, 'websocket_connection')} set status = 'connected' where id = ?`, [connectionId])
      const connectionsBefore = cloud.stats.connections
      a = await persistenceApp(db, ENV)
      const row = await eventually(
        async () => (await rows('select status, auto_reconnect from {websocket_connection} where id = ?', [connectionId]))[0],
        (r) => r?.status === 'disconnected',
      )
      t.same(row, { status: 'disconnected', auto_reconnect: false }, 'a stale "connected" from the previous run is corrected at boot')
      await new Promise((r) => setTimeout(r, 200))
      t.equal(cloud.stats.connections, connectionsBefore, 'not started')
    })
  })
}

import type { ConnectionListResponse, ConnectionRecord } from '@switchboard/shared'
import t from 'tap'
import { DRIVERS, openTestDatabase } from '../../helpers/database.ts'
import { eventually, persistenceApp } from '../../helpers/app.ts'
import { TestClient } from '../../helpers/ws-client.ts'

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())
    const { app, url, token } = await persistenceApp(db)
    t.teardown(() => app.close())

    const admin = token({ sub: 'root', tenant: 'ops', roles: ['admin'] })
    const adminT1 = token({ sub: 'boss', tenant: 't1', roles: ['tenant-admin'] })
    const serviceT1 = token({ sub: 'svc', tenant: 't1', roles: ['service'] })
    const userT1 = token({ sub: 'u1', tenant: 't1', roles: ['user'] })

    const get = async (path: string, bearer?: string) => {
      const res = await app.inject({ method: 'GET', url: path, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} })
      return { status: res.statusCode, body: res.json() }
    }
    const post = async (path: string, bearer: string) => {
      const res = await app.inject({ method: 'POST', url: path, headers: { authorization: `Bearer ${bearer}`, 'user-agent': 'console-test/1' } })
      return { status: res.statusCode, body: res.json() }
    }
    const listed = (bearer: string, query = '') =>
      eventually(
        async () => (await get(`/api/websocket/connections${query}`, bearer)).body as ConnectionListResponse,
        () => true,
      )

    // Two tenants' clients, recorded by the registry as they connect.
    const a = await TestClient.connect(url, token({ sub: 'alice', tenant: 't1', roles: ['user'] }), { 'user-agent': 'alice-app/2' })
    const b = await TestClient.connect(url, token({ sub: 'bob', tenant: 't2', roles: ['user'] }))
    for (const c of [a, b]) t.equal((await c.request({ type: 'subscribe', channels: ['orders'] })).type, 'subscribed')
    const rows = await eventually(
      async () => ((await get('/api/websocket/connections?status=connected', admin)).body as ConnectionListResponse).items,
      (items) => items.length === 2 && items.every((r) => r.tenant !== null && r.subscriptions.length === 1),
    )
    const alice = rows.find((r) => r.user === 'alice')!
    const bob = rows.find((r) => r.user === 'bob')!

    t.test('the registry records client connections with their identity', async (t) => {
      t.match(alice, { type: 'CLIENT', status: 'connected', tenant: 't1', roles: ['user'], userAgent: 'alice-app/2', instanceId: 'test-instance', autoReconnect: true, live: true })
      t.equal(alice.referenceId, alice.id)
      t.same(alice.subscriptions, ['orders'])
      t.ok(alice.ip)
    })

    t.test('no token is 401; a plain user is 403', async (t) => {
      t.equal((await get('/api/websocket/connections')).status, 401)
      const res = await get('/api/websocket/connections', userT1)
      t.equal(res.status, 403)
      t.equal(res.body.code, 'FORBIDDEN')
    })

    t.test('admin sees every tenant; tenant admin and service only their own', async (t) => {
      t.equal((await listed(admin)).total, 2)
      t.same((await listed(adminT1)).items.map((r: ConnectionRecord) => r.user), ['alice'])
      t.same((await listed(serviceT1)).items.map((r: ConnectionRecord) => r.user), ['alice'])
      t.equal((await get('/api/websocket/connections?tenant=t2', adminT1)).status, 403, 'asking for another tenant')
      t.same((await listed(admin, '?tenant=t2')).items.map((r: ConnectionRecord) => r.user), ['bob'])
    })

    t.test('filters and pagination', async (t) => {
      t.equal((await listed(admin, '?user=alice')).total, 1)
      t.equal((await listed(admin, '?type=SHELLY')).total, 0)
      const page = await listed(admin, '?limit=1&page=2')
      t.equal(page.total, 2)
      t.equal(page.items.length, 1)
      t.equal(page.page, 2)
      t.equal((await get('/api/websocket/connections?limit=0', admin)).status, 400)
      t.equal((await get('/api/websocket/connections?status=sleeping', admin)).status, 400)
    })

    t.test('one connection by id, tenant-scoped', async (t) => {
      const res = await get(`/api/websocket/connections/${alice.id}`, adminT1)
      t.equal(res.status, 200)
      t.equal(res.body.id, alice.id)
      t.equal((await get(`/api/websocket/connections/${bob.id}`, adminT1)).status, 404, 'another tenant: not found')
      t.equal((await get('/api/websocket/connections/nope', admin)).status, 404)
    })

    t.test('toggle-reconnect answers reference 000 shape and leaves the socket open', async (t) => {
      const res = await post(`/api/websocket/${alice.id}/toggle-reconnect`, adminT1)
      t.equal(res.status, 200)
      t.same(res.body, { success: true, message: res.body.message, data: { connectionId: alice.id, status: 'connected', autoReconnect: false } })
      t.equal(a.socket.readyState, 1)
      await post(`/api/websocket/${alice.id}/toggle-reconnect`, adminT1)
    })

    t.test('a service may read but not act; an unknown action is 400', async (t) => {
      t.equal((await post(`/api/websocket/${alice.id}/stop`, serviceT1)).status, 403)
      t.equal((await post(`/api/websocket/${alice.id}/explode`, admin)).status, 400)
      t.equal((await post(`/api/websocket/${bob.id}/stop`, adminT1)).status, 404, "another tenant's connection")
      t.equal(b.socket.readyState, 1, 'and it was not touched')
    })

    t.test('stop closes the client with 4004 (terminal) and it is recorded and audited', async (t) => {
      const res = await post(`/api/websocket/${alice.id}/stop`, adminT1)
      t.same(res.body.data, { connectionId: alice.id, status: 'disconnected', autoReconnect: false })
      const closed = await a.closed
      t.equal(closed.code, 4004)
      const row = await eventually(
        async () => (await get(`/api/websocket/connections/${alice.id}`, admin)).body as ConnectionRecord,
        (r) => r.status === 'disconnected',
      )
      t.match(row, { status: 'disconnected', closeCode: 4004, autoReconnect: false, live: false })
      const logs = await get(`/api/websocket/logs?eventType=action&connectionId=${alice.id}`, admin)
      t.same(logs.body.items.map((l: { metadata: { action: string } }) => l.metadata.action), ['stop', 'toggle-reconnect', 'toggle-reconnect'], 'every action audited, newest first')
      t.match(logs.body.items[0], { actor: 'boss', userAgent: 'console-test/1', tenant: 't1', message: /^stop: / })
      t.ok(logs.body.items[0].ip)
    })

    t.test('restart closes with 4100 (reconnect) and keeps auto-reconnect on', async (t) => {
      const res = await post(`/api/websocket/${bob.id}/restart`, admin)
      t.same(res.body.data, { connectionId: bob.id, status: 'disconnected', autoReconnect: true })
      t.equal((await b.closed).code, 4100)
    })
  })
}

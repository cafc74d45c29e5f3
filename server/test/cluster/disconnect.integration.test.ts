import { CLOSE_CODES } from '@switchboard/shared'
import t from 'tap'
import { startCluster, startDatabaseCluster } from '../helpers/cluster.ts'
import { openTestDatabase } from '../helpers/database.ts'
import type { TestServer } from '../helpers/server.ts'
import { redisClient } from '../helpers/redis.ts'
import { TestClient } from '../helpers/ws-client.ts'

const post = (node: TestServer, path: string, token: string, body?: unknown) =>
  fetch(`${node.http}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

t.test('a user\'s and a tenant\'s connections are closed with 4005 on every instance, nobody else\'s', async (t) => {
  const { nodes } = await startCluster(t, 'disconnect', 2)
  const [a, b] = nodes as [TestServer, TestServer]
  const as = (node: TestServer, sub: string, tenant: string) => TestClient.connect(node.http, node.token({ sub, tenant, roles: ['user'] }))
  const mallory = [await as(a, 'mallory', 'acme'), await as(b, 'mallory', 'acme'), await as(b, 'mallory', 'acme')]
  const alice = [await as(a, 'alice', 'acme'), await as(b, 'alice', 'acme')]
  const zed = [await as(a, 'zed', 'beta'), await as(b, 'zed', 'beta')]
  const boss = a.token({ sub: 'boss', tenant: 'acme', roles: ['tenant-admin'] })

  const res = await post(a, '/api/websocket/users/acme/mallory/disconnect', boss, { reason: 'token revoked' })
  t.equal(res.status, 200)
  t.match(await res.json(), {
    success: true,
    message: 'Every connection of mallory is being closed (4005: the client must not reconnect with the same credentials)',
    data: { tenant: 'acme', user: 'mallory', connections: 3, code: 4005, revokedBefore: String, revokedUntil: String },
  })
  for (const c of mallory) t.same(await c.closed, { code: CLOSE_CODES.REVOKED, reason: 'token revoked' })
  for (const c of [...alice, ...zed]) t.match(await c.request({ type: 'ping' }), { type: 'pong' }, 'others stay connected')

  t.equal((await post(b, '/api/websocket/tenants/beta/disconnect', boss)).status, 403, 'a tenant admin acts on its own tenant only')
  t.equal((await post(b, '/api/websocket/users/acme/alice/disconnect', b.token({ sub: 'svc', tenant: 'acme', roles: ['service'] }))).status, 403, 'not a service')

  const root = b.token({ sub: 'root', tenant: 'ops', roles: ['admin'] })
  const tenant = await post(b, '/api/websocket/tenants/acme/disconnect', root)
  t.match(await tenant.json(), { success: true, data: { tenant: 'acme', code: 4005 } })
  for (const c of alice) t.same(await c.closed, { code: CLOSE_CODES.REVOKED, reason: 'tenant disabled' })
  for (const c of zed) t.match(await c.request({ type: 'ping' }), { type: 'pong' }, 'other tenants stay connected')
  for (const c of zed) c.close()
})

t.test('a revocation ordered while an instance is not receiving cluster messages closes its connections there once it is back', async (t) => {
  const cluster = await startCluster(t, 'disconnect-away', 0)
  const tag = `away-${process.pid}-${Date.now().toString(36)}` // the subscriber's connection name, unique across parallel test files
  const a = await cluster.add({ INSTANCE_ID: `${tag}-a` })
  const b = await cluster.add({ INSTANCE_ID: `${tag}-b` })
  const mallory = await TestClient.connect(b.http, b.token({ sub: 'mallory', tenant: 'acme', roles: ['user'] }))
  const alice = await TestClient.connect(b.http, b.token({ sub: 'alice', tenant: 'acme', roles: ['user'] }))
  // b's subscriber connection drops (a failover, a client-output-buffer kill): the order published now never reaches b
  const redis = await redisClient(t)
  const line = String(await redis.client('LIST')).split('\n').find((l) => l.includes(`name=${tag}-b:subscriber`))
  t.ok(line, 'b\'s subscriber found')
  await redis.client('KILL', 'ID', /id=(\d+)/.exec(line!)![1]!)
  const root = a.token({ sub: 'root', tenant: 'ops', roles: ['admin'] })
  t.equal((await post(a, '/api/websocket/users/acme/mallory/disconnect', root, { reason: 'token revoked' })).status, 200)
  const closed = await Promise.race([mallory.closed, new Promise((r) => setTimeout(() => r('still open'), 5_000))])
  t.same(closed, { code: CLOSE_CODES.REVOKED, reason: 'access revoked' }, 'closed by b once its subscriber is back')
  t.match(await alice.request({ type: 'ping' }), { type: 'pong' }, 'others stay connected')
  alice.close()
})

t.test('revoked tokens are refused on every instance, and by one that starts later; newer tokens work', async (t) => {
  const cluster = await startCluster(t, 'revoke', 2)
  const [a, b] = cluster.nodes as [TestServer, TestServer]
  const oldToken = a.token({ sub: 'mallory', tenant: 'acme', roles: ['service'] })
  const kept = a.token({ sub: 'kept', tenant: 'acme', roles: ['user'] })
  const victim = await TestClient.connect(b.http, oldToken)
  const root = a.token({ sub: 'root', tenant: 'ops', roles: ['admin'] })
  const res = await post(a, '/api/websocket/users/acme/mallory/disconnect', root)
  const { data } = (await res.json()) as { data: { revokedBefore: string } }
  t.same((await victim.closed).code, CLOSE_CODES.REVOKED)

  for (const node of [a, b]) {
    await t.rejects(TestClient.connect(node.http, oldToken), /401/, 'the same token cannot reconnect')
    const publish = await fetch(`${node.http}/api/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${oldToken}` },
      body: JSON.stringify({ type: 'dashboard_event', tenant: 'acme', data: {} }),
    })
    t.match(await publish.json(), { statusCode: 401, code: 'AUTH_FAILED', message: 'Token was revoked' }, 'nor call the HTTP API')
  }
  const late = await cluster.add()
  await t.rejects(TestClient.connect(late.http, oldToken), /401/, 'an instance started later loaded the revocation')
  ;(await TestClient.connect(late.http, kept)).close()

  // tokens are compared to the second (iat): mint the new one in a later second than the revocation
  await new Promise((r) => setTimeout(r, 1000 - (Date.parse(data.revokedBefore) % 1000) + 5))
  const fresh = await TestClient.connect(b.http, b.token({ sub: 'mallory', tenant: 'acme', roles: ['user'] }))
  t.match(await fresh.request({ type: 'ping' }), { type: 'pong' }, 'a token issued after the revocation is accepted')
  fresh.close()

  const other = await TestClient.connect(a.http, kept)
  await post(a, '/api/websocket/users/acme/kept/disconnect', root, { revokeTokens: false })
  t.same((await other.closed).code, CLOSE_CODES.REVOKED)
  const again = await TestClient.connect(b.http, kept)
  t.match(await again.request({ type: 'ping' }), { type: 'pong' }, 'revokeTokens:false only closes the connections')
  again.close()
})

t.test('POST /api/websocket/:id/stop on one instance stops a connection held by another and records it', async (t) => {
  const db = await openTestDatabase('postgresql')
  t.teardown(() => db.close())
  const { nodes } = await startDatabaseCluster(t, 'stop', db, ['stop-a', 'stop-b'])
  const [a, b] = nodes as [TestServer, TestServer]
  const client = await TestClient.connect(b.http, b.app.signToken({ sub: 'kiosk', tenant: 'acme', roles: ['user'] }))
  t.match(await client.request({ type: 'ping' }), { type: 'pong' })
  const id = [...b.app.hub.connections.keys()][0]!
  const admin = a.app.signToken({ sub: 'root', tenant: 'ops', roles: ['admin'] })
  // the registry row is written off the hot path: wait until instance a can see it
  let seen = 0
  for (let i = 0; i < 200 && seen !== 200; i++) {
    seen = (await fetch(`${a.http}/api/websocket/connections/${id}`, { headers: { authorization: `Bearer ${admin}` } })).status
    if (seen !== 200) await new Promise((r) => setTimeout(r, 20))
  }
  t.equal(seen, 200, 'instance a sees the row of a connection held by b')
  const res = await fetch(`${a.http}/api/websocket/${id}/stop`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } })
  t.match(await res.json(), { success: true, data: { connectionId: id, status: 'disconnected', autoReconnect: false } })
  t.same((await client.closed).code, CLOSE_CODES.STOPPED, 'closed on b with 4004 by an order given to a')
})

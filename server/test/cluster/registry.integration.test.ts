import t from 'tap'
import { startCluster } from '../helpers/cluster.ts'
import { deletePrefix, redisClient } from '../helpers/redis.ts'
import type { TestServer } from '../helpers/server.ts'
import { TestClient } from '../helpers/ws-client.ts'

type Frame = Record<string, unknown> & { type: string }
/** Short leases so that a dead instance is noticed within a test. */
const ENV = { CLUSTER_HEARTBEAT_MS: '100', CLUSTER_LEASE_MS: '400', PRESENCE_CHANNELS: 'room' }

const stats = async (node: TestServer, token?: string) => {
  const res = await fetch(`${node.http}/ws/stats`, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  return (await res.json()) as { stats: { total_connections: number; cluster?: Record<string, any> } }
}

/** Polls (bounded) until `ok` holds; returns the last value for the assertion. */
async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (ok(v) || Date.now() > deadline) return v
    await new Promise((r) => setTimeout(r, 25))
  }
}

t.test('/ws/stats reports every instance and cluster totals from the registry', async (t) => {
  const { nodes } = await startCluster(t, 'registry', 2, ENV)
  const [a, b] = nodes as [TestServer, TestServer]
  const admin = a.token({ sub: 'root', tenant: 'ops', roles: ['admin'] })
  // u1 on both instances (one user), u2 on b only; one unauthenticated socket on a
  const clients = [
    await TestClient.connect(a.http, a.token({ sub: 'u1', tenant: 'acme', roles: ['user'] })),
    await TestClient.connect(b.http, b.token({ sub: 'u1', tenant: 'acme', roles: ['user'] })),
    await TestClient.connect(b.http, b.token({ sub: 'u2', tenant: 'beta', roles: ['user', 'manager'] })),
  ]
  const view = await until(
    async () => (await stats(a, admin)).stats.cluster!,
    (c) => c.total_connections === 3,
  )
  t.equal(view.source, 'redis')
  t.equal(view.instance_count, 2)
  t.same(view.instances.map((i: { id: string }) => i.id), ['n1', 'n2'])
  t.same(view.instances.map((i: { connections: number }) => i.connections), [1, 2])
  t.equal(view.total_connections, 3)
  t.equal(view.authenticated_connections, 3)
  t.equal(view.unique_users, 2, 'u1 on two instances counts once')
  t.same(view.connections_by_role, { user: 3, manager: 1 })
  t.same(view.connections_by_tenant, { acme: 2, beta: 1 })
  t.ok(Date.parse(view.instances[0].lease_expires_at) > Date.parse(view.instances[0].heartbeat_at))
  const broadcast = await fetch(`${a.http}/ws/_test/broadcast`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  t.match(await broadcast.json(), { status: 'ok', sent: 3 }, '_test/broadcast counts the recipients of every instance')
  const anonymous = (await stats(b)).stats.cluster!
  t.equal(anonymous.total_connections, 3, 'the other instance reads the same view')
  t.notOk('connections_by_tenant' in anonymous, 'tenant names only for admins')

  const list = await fetch(`${b.http}/api/cluster/connections?tenant=acme`, { headers: { authorization: `Bearer ${admin}` } })
  const body = (await list.json()) as { items: Array<{ user: string; instanceId: string }>; total: number; instances: string[] }
  t.equal(body.total, 2)
  t.same(body.items.map((c) => `${c.user}@${c.instanceId}`).sort(), ['u1@n1', 'u1@n2'], 'live connections of every instance')
  t.same(body.instances, ['n1', 'n2'])
  const scoped = await fetch(`${b.http}/api/cluster/connections?tenant=acme`, {
    headers: { authorization: `Bearer ${b.token({ sub: 'boss', tenant: 'beta', roles: ['tenant-admin'] })}` },
  })
  t.equal(scoped.status, 403, 'a tenant admin cannot list another tenant')
  for (const c of clients) c.close()
})

t.test('a clean shutdown leaves the cluster view at once', async (t) => {
  const { nodes } = await startCluster(t, 'shutdown', 2, ENV)
  const [a, b] = nodes as [TestServer, TestServer]
  await until(async () => (await stats(a)).stats.cluster!, (c) => c.instance_count === 2)
  await b.close()
  const redis = await redisClient(t)
  const view = (await stats(a)).stats.cluster!
  t.same(view.instances.map((i: { id: string }) => i.id), ['n1'], 'gone without waiting for the lease')
  t.equal(await redis.exists(`${nodes[0]!.config.REDIS_PREFIX}i:n2:summary`), 0, 'its entries are deleted')
})

t.test('a crashed instance (heartbeats stopped, nothing cleaned) leaves the view when its lease expires; presence leaves are pushed', async (t) => {
  const { nodes } = await startCluster(t, 'lease', 2, ENV)
  const [a, b] = nodes as [TestServer, TestServer]
  const watcher = await TestClient.connect(a.http, a.token({ sub: 'watcher', tenant: 'acme', roles: ['user'] }))
  await watcher.request({ type: 'subscribe', channels: ['room'] })
  const ghost = await TestClient.connect(b.http, b.token({ sub: 'ghost', tenant: 'acme', roles: ['user'] }))
  await ghost.request({ type: 'subscribe', channels: ['room'] })
  const join = await watcher.next((f: Frame) => f.type === 'presence:join' && (f.data as { user: string }).user === 'ghost')
  t.equal(join.channel, 'room')
  t.equal((await until(async () => (await stats(a)).stats.cluster!, (c) => c.total_connections === 2)).total_connections, 2)

  b.app.cluster.redisRegistry!.abandon() // b "dies": no more heartbeats, no cleanup
  const leave = await watcher.next((f: Frame) => f.type === 'presence:leave', 5_000)
  t.same(leave.data, { user: 'ghost' }, 'the survivor announces the dead instance\'s users leaving')
  const view = await until(async () => (await stats(a)).stats.cluster!, (c) => c.instance_count === 1)
  t.same(view.instances.map((i: { id: string }) => i.id), ['n1'])
  t.equal(view.total_connections, 1, 'its connections are gone from the totals')
  const reply = await watcher.request({ type: 'presence:get', channel: 'room' })
  t.same(reply.users, [{ user: 'watcher', connections: 1 }], 'and from presence')
  ghost.close()
  watcher.close()
})

t.test('an instance cleaning up slowly after a dead one keeps renewing its own lease: it is not taken for dead in turn', async (t) => {
  const { nodes } = await startCluster(t, 'slow-reap', 3, ENV)
  const [a, b, c] = nodes as [TestServer, TestServer, TestServer]
  // the cleanup after a dead instance waits on the database, which may be slow in the same incident: here 1.5 s, almost four leases
  let cleanups = 0
  for (const node of [a, b]) node.app.cluster.onInstanceLost(() => new Promise<void>((r) => setTimeout(() => (cleanups++, r()), 1_500)))
  const live = () => a.app.cluster.redisRegistry!.liveInstances()
  t.same((await until(live, (ids) => ids.length === 3)).sort(), ['n1', 'n2', 'n3'])

  c.app.cluster.redisRegistry!.abandon() // c "dies"
  t.same((await until(live, (ids) => !ids.includes('n3'))).sort(), ['n1', 'n2'], 'the dead instance leaves the view')
  // during the slow cleanup, both survivors stay in the view at every look
  const seen: string[][] = []
  const end = Date.now() + 1_600
  while (Date.now() < end) {
    seen.push((await live()).sort())
    await new Promise((r) => setTimeout(r, 50))
  }
  t.ok(seen.length > 10, 'looked often')
  t.same(seen.filter((ids) => ids.join() !== 'n1,n2'), [], 'never without a survivor')
  t.equal(await until(async () => cleanups, (n) => n > 0), 1, 'one cleanup, by one survivor')
})

t.test('Redis restarted empty: every instance writes its share again (view, presence, online counts)', async (t) => {
  const { nodes, prefix } = await startCluster(t, 'rewrite', 2, ENV)
  const [a, b] = nodes as [TestServer, TestServer]
  const x = await TestClient.connect(a.http, a.token({ sub: 'x', tenant: 'acme', roles: ['user'] }))
  const y = await TestClient.connect(b.http, b.token({ sub: 'y', tenant: 'acme', roles: ['user'] }))
  await x.request({ type: 'subscribe', channels: ['room'] })
  await y.request({ type: 'subscribe', channels: ['room'] })
  await until(async () => (await stats(a)).stats.cluster!, (c) => c.total_connections === 2)

  await deletePrefix(prefix)
  const view = await until(async () => (await stats(b)).stats.cluster!, (c) => c.instance_count === 2 && c.total_connections === 2)
  t.equal(view.instance_count, 2, 'both instances back in the view')
  t.equal(view.total_connections, 2)
  const presence = await until(
    () => x.request({ type: 'presence:get', channel: 'room', users: ['x', 'y'] }),
    (r) => (r.connections as number) === 2,
  )
  t.same(presence.online, { x: 1, y: 1 }, 'online counts restored')
  t.equal(presence.connections, 2, 'presence restored')
  t.same(x.pending((f: Frame) => f.type === 'presence:leave'), [], 'a rewrite announces nothing')
  x.close()
  y.close()
})

import t from 'tap'
import { RedisBus } from '../../src/bus/redis-bus.ts'
import type { ClusterMessage } from '../../src/bus/cluster-message.ts'
import { RedisKeys } from '../../src/redis/keys.ts'
import { publish, startCluster } from '../helpers/cluster.ts'
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/redis.ts'
import type { TestServer } from '../helpers/server.ts'
import { tcpProxy } from '../helpers/tcp-proxy.ts'
import { TestClient } from '../helpers/ws-client.ts'

type Frame = Record<string, unknown> & { type: string }
const redisTarget = { host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) }

/** Polls (bounded) until `ok()`; the caller asserts. */
async function until(ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!(await ok())) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 20))
  }
  return true
}

const event = (n: number): ClusterMessage => ({
  kind: 'event',
  origin: 'test',
  event: { id: `e${n}`, type: 'x', ts: new Date().toISOString(), target: { kind: 'tenant', tenant: 'acme' }, data: n, publishedAt: 0 },
})

function bus(url: string, keys: RedisKeys, id: string): RedisBus {
  return new RedisBus({ url, keys, instanceId: id, systemChannels: new Set(), commandTimeoutMs: 500, connectTimeoutMs: 500, lingerMs: 50 })
}

t.test('topics follow local rooms: subscribed while a room needs them, dropped after the linger', async (t) => {
  const prefix = testPrefix('topics')
  t.teardown(() => deletePrefix(prefix))
  const keys = new RedisKeys(prefix)
  const b = bus(REDIS_URL, keys, 'b')
  t.teardown(() => b.close())
  t.ok(await b.ready(5_000))
  t.same(b.subscribedTopics().sort(), [keys.allTopic, keys.controlTopic].sort(), 'only the fixed topics at first')
  b.interest({ kind: 'tenant', tenant: 'acme' }, true)
  b.interest({ kind: 'user', tenant: 'acme', user: 'u' }, true) // covered by the tenant topic
  b.interest({ kind: 'channel', tenant: 'acme', channel: 'orders' }, true)
  t.ok(b.settled(), 'subscriptions pending')
  await b.settled()
  t.same(b.subscribedTopics().sort(), [keys.allTopic, keys.controlTopic, keys.tenantTopic('acme'), keys.channelTopic('acme', 'orders')].sort())
  t.equal(b.settled(), undefined, 'nothing pending afterwards')
  b.interest({ kind: 'channel', tenant: 'acme', channel: 'orders' }, false)
  b.interest({ kind: 'channel', tenant: 'acme', channel: 'orders' }, true)
  b.interest({ kind: 'channel', tenant: 'acme', channel: 'orders' }, false)
  t.ok(await until(() => !b.subscribedTopics().includes(keys.channelTopic('acme', 'orders'))), 'unsubscribed once the linger passed')
  t.ok(b.subscribedTopics().includes(keys.tenantTopic('acme')), 'the tenant topic stays while its room does')
})

t.test('Redis unreachable: publish fails fast, health degraded; back: resubscribed by itself', async (t) => {
  const prefix = testPrefix('outage')
  t.teardown(() => deletePrefix(prefix))
  const keys = new RedisKeys(prefix)
  const proxy = await tcpProxy(redisTarget)
  t.teardown(() => proxy.close())
  const direct = bus(REDIS_URL, keys, 'direct')
  const cut = bus(`redis://127.0.0.1:${proxy.port}`, keys, 'cut')
  t.teardown(() => Promise.all([direct.close(), cut.close()]))
  const received: unknown[] = []
  cut.onMessage((m) => m.kind === 'event' && received.push(m.event.data))
  cut.interest({ kind: 'tenant', tenant: 'acme' }, true)
  t.ok(await direct.ready(5_000))
  t.ok(await cut.ready(5_000))
  await cut.settled()
  await direct.publish(event(1))
  t.ok(await until(() => received.includes(1)), 'delivered through Redis')

  proxy.stop()
  t.ok(await until(() => cut.health() === 'degraded'), 'health says degraded')
  const started = Date.now()
  const outcome = await Promise.race([
    cut.publish(event(2)).then(() => 'published', (err: Error) => `rejected: ${err.message}`),
    new Promise((r) => setTimeout(() => r('still waiting after 5 s'), 5_000)),
  ])
  t.match(outcome, /^rejected/, 'publish rejects instead of queueing')
  t.comment(`publish rejected after ${Date.now() - started} ms while Redis was unreachable`)
  await direct.publish(event(3)) // while cut is away: pub/sub does not keep it for it

  proxy.start()
  t.ok(await until(() => cut.health() === 'ok'), 'reconnected by itself')
  t.ok(await until(() => cut.subscribedTopics().includes(keys.tenantTopic('acme'))), 'topics subscribed again')
  // the resubscribe lands a moment after 'ready': publish until one arrives
  t.ok(await until(async () => (await direct.publish(event(4)), received.includes(4)), 10_000), 'delivery resumes')
  await cut.publish(event(5))
  t.ok(await until(() => received.includes(5)), 'and it publishes again')
})

t.test('an instance cut from Redis answers 503 and degrades; back, its clients get what they missed on history channels', async (t) => {
  const proxy = await tcpProxy(redisTarget)
  t.teardown(() => proxy.close())
  const cluster = await startCluster(t, 'outage-app', 1, { HISTORY_CHANNELS: 'feed=100:300', REDIS_COMMAND_TIMEOUT_MS: '300' })
  const a = cluster.nodes[0]!
  const b = await cluster.add({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` })
  const service = a.token({ sub: 'svc', tenant: 'acme', roles: ['service'] })
  const send = (node: TestServer, n: number) => publish(node, service, { type: 'dashboard_event', tenant: 'acme', channel: 'feed', data: { reason: `m${n}` } })
  const reader = await TestClient.connect(b.http, b.token({ sub: 'r', tenant: 'acme', roles: ['user'] }))
  await reader.request({ type: 'subscribe', channels: ['feed'] })
  const isFeed = (f: Frame) => f.type === 'dashboard_event' && f.channel === 'feed'
  for (let n = 1; n <= 3; n++) t.equal((await send(a, n)).status, 200)
  for (let n = 1; n <= 3; n++) t.equal((await reader.next(isFeed)).offset, n)

  proxy.stop()
  t.ok(await until(async () => ((await (await fetch(`${b.http}/health`)).json()) as { status: string }).status === 'degraded'), '/health says degraded')
  t.match(await (await fetch(`${b.http}/metrics`)).text(), /^switchboard_bus_up 0$/m, 'the metric says the bus is down')
  const refused = await send(b, 99)
  t.equal(refused.status, 503)
  t.match(refused.body, { code: 'UNAVAILABLE' })
  for (let n = 4; n <= 8; n++) t.equal((await send(a, n)).status, 200, 'the rest of the cluster goes on')
  t.match(await reader.request({ type: 'ping' }), { type: 'pong' }, 'b\'s clients stay connected meanwhile')

  proxy.start()
  const offsets: number[] = []
  for (let n = 4; n <= 8; n++) offsets.push((await reader.next(isFeed, 15_000)).offset as number)
  t.same(offsets, [4, 5, 6, 7, 8], 'what was published during the cut arrives in order, without reconnecting')
  t.ok(await until(async () => (await send(b, 9)).status === 200), 'b publishes again')
  t.equal((await reader.next(isFeed)).offset, 9)
  t.same(reader.pending(isFeed), [], 'no duplicate')
  t.equal(b.app.bus.health(), 'ok')
  const metrics = await (await fetch(`${b.http}/metrics`)).text()
  t.match(metrics, /^switchboard_bus_up 1$/m)
  t.match(metrics, /^switchboard_history_gaps\{outcome="filled"\} [1-9]/m, 'the catch-up is counted')
  reader.close()
})

t.test('Redis unreachable at start: the instance starts degraded and joins the cluster once Redis answers', async (t) => {
  const proxy = await tcpProxy(redisTarget)
  t.teardown(() => proxy.close())
  proxy.stop()
  const cluster = await startCluster(t, 'late-redis', 1, { CLUSTER_HEARTBEAT_MS: '100', CLUSTER_LEASE_MS: '400' })
  const a = cluster.nodes[0]!
  const late = await cluster.add({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_CONNECT_TIMEOUT_MS: '200' })
  const health = async () => (await (await fetch(`${late.http}/health`)).json()) as { status: string; bus: string }
  t.match(await health(), { status: 'degraded', bus: 'redis' }, 'listening, degraded')
  const service = a.token({ sub: 'svc', tenant: 'acme', roles: ['service'] })
  t.equal((await publish(late, service, { type: 'dashboard_event', tenant: 'acme', data: {} })).status, 503)

  const client = await TestClient.connect(late.http, late.token({ sub: 'early', tenant: 'acme', roles: ['user'] }))
  proxy.start()
  t.ok(await until(async () => (await health()).status === 'ok'), 'healthy once Redis answers')
  t.ok(
    await until(async () => ((await (await fetch(`${a.http}/ws/stats`)).json()) as { stats: { cluster: { instance_count: number } } }).stats.cluster.instance_count === 2),
    'registered in the cluster view',
  )
  t.ok(await until(async () => (await publish(a, service, { type: 'dashboard_event', tenant: 'acme', data: { reason: 'hello' } }), client.pending((f) => f.type === 'dashboard_event').length > 0)), 'a client that connected meanwhile receives the cluster\'s events')
  client.close()
})

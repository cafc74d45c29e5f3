import t from 'tap'
import { publish, startCluster } from '../helpers/cluster.ts'
import { deletePrefix, redisClient } from '../helpers/redis.ts'
import type { TestServer } from '../helpers/server.ts'
import { TestClient } from '../helpers/ws-client.ts'

type Frame = Record<string, unknown> & { type: string }
const ENV = { HISTORY_CHANNELS: 'feed=100:300' }
const user = { sub: 'reader', tenant: 'acme', roles: ['user'] }
const isFeed = (f: Frame) => f.type === 'dashboard_event' && f.channel === 'feed'

async function send(node: TestServer, n: number) {
  const res = await publish(node, node.token({ sub: 'svc', tenant: 'acme', roles: ['service'] }), {
    type: 'dashboard_event',
    tenant: 'acme',
    channel: 'feed',
    data: { reason: `m${n}` },
  })
  if (res.status !== 200) throw new Error(`publish ${n}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as { offset: number; epoch: string }
}

t.test('a client that reconnects to the other instance recovers exactly the messages it missed', async (t) => {
  const { nodes } = await startCluster(t, 'history', 2, ENV)
  const [a, b] = nodes as [TestServer, TestServer]

  const first = await TestClient.connect(a.http, a.token(user))
  const sub = await first.request({ type: 'subscribe', channels: ['feed'] })
  const start = (sub.recovery as Array<{ position: { offset: number; epoch: string } }>)[0]!.position
  await send(b, 1)
  const live = await first.next(isFeed)
  t.same([live.offset, live.epoch], [start.offset + 1, start.epoch], 'live push carries the next offset')
  first.close()
  await first.closed

  for (let n = 2; n <= 11; n++) await send(n % 2 === 0 ? a : b, n)

  const again = await TestClient.connect(b.http, b.token(user))
  const reply = await again.request({ type: 'subscribe', channels: ['feed'], since: { feed: { offset: live.offset, epoch: live.epoch } } })
  t.match(reply.recovery, [{ channel: 'feed', recovered: true, replayed: 10, position: { offset: start.offset + 11, epoch: start.epoch } }])
  const replayed: Frame[] = []
  for (let i = 0; i < 10; i++) replayed.push(await again.next(isFeed))
  t.same(
    replayed.map((f) => [f.offset, (f.data as { reason: string }).reason]),
    Array.from({ length: 10 }, (_, i) => [start.offset + 2 + i, `m${i + 2}`]),
    'exactly the ten missed, in order',
  )
  await send(a, 12)
  const next = await again.next(isFeed)
  t.equal(next.offset, start.offset + 12, 'then live, without a gap')
  t.same(again.pending(isFeed), [], 'no duplicate')
  again.close()
})

t.test('history lost in Redis: a new epoch, the old position answered recovered:false, never replayed', async (t) => {
  const { nodes, prefix } = await startCluster(t, 'epoch', 2, ENV)
  const [a, b] = nodes as [TestServer, TestServer]
  const before = await send(a, 1)
  await send(b, 2)
  // what a Redis restarted empty looks like to us: every key of the prefix is gone
  await deletePrefix(prefix)
  const after = await send(b, 3)
  t.not(after.epoch, before.epoch, 'a new epoch')
  t.equal(after.offset, 1, 'offsets start again')

  const c = await TestClient.connect(a.http, a.token(user))
  const reply = await c.request({ type: 'subscribe', channels: ['feed'], since: { feed: { offset: before.offset, epoch: before.epoch } } })
  t.match(reply.recovery, [{ channel: 'feed', recovered: false, replayed: 0, position: { offset: 1, epoch: after.epoch } }])
  await send(a, 4)
  const live = await c.next(isFeed)
  t.same([live.offset, live.epoch], [2, after.epoch], 'live again in the new epoch')
  t.same(c.pending(isFeed), [], 'nothing of the old epoch was replayed')
  c.close()
})

t.test('concurrent publishers on both instances: every client sees offsets 1..N in order, once', async (t) => {
  const { nodes } = await startCluster(t, 'order', 2, ENV)
  const [a, b] = nodes as [TestServer, TestServer]
  const clients = [await TestClient.connect(a.http, a.token(user)), await TestClient.connect(b.http, b.token(user))]
  for (const c of clients) await c.request({ type: 'subscribe', channels: ['feed'] })
  const N = 120
  // 20 in flight at a time, alternating instances: appends race each other inside Redis
  for (let i = 0; i < N; i += 20) await Promise.all(Array.from({ length: 20 }, (_, k) => send((i + k) % 2 ? a : b, i + k)))
  for (const c of clients) {
    const offsets: number[] = []
    for (let i = 0; i < N; i++) offsets.push((await c.next(isFeed)).offset as number)
    t.same(offsets, Array.from({ length: N }, (_, i) => i + 1), 'offsets arrive in order without gap or duplicate')
    c.close()
  }
  const redis = await redisClient(t)
  t.ok(redis, 'redis reachable')
})

t.test('with Redis and history kept elsewhere (HISTORY_STORE=memory) history channels still publish', async (t) => {
  const { nodes } = await startCluster(t, 'memhistory', 2, { ...ENV, HISTORY_STORE: 'memory' })
  const [a, b] = nodes as [TestServer, TestServer]
  const c = await TestClient.connect(b.http, b.token(user))
  await c.request({ type: 'subscribe', channels: ['feed'] })
  const sent = await send(a, 1)
  t.equal(sent.offset, 1, 'stamped by the publishing instance\'s own history')
  t.match(await c.next(isFeed), { offset: 1, data: { reason: 'm1' } }, 'and delivered across instances')
  c.close()
})

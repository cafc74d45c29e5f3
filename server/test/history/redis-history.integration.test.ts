import t, { type Test } from 'tap'
import { RedisHistory } from '../../src/history/redis-history.ts'
import type { HubEvent } from '../../src/realtime/event.ts'
import { RedisKeys } from '../../src/redis/keys.ts'
import { deletePrefix, redisClient, testPrefix } from '../helpers/redis.ts'

const event = (n: number, ts = new Date().toISOString()): HubEvent => ({
  id: `e${n}`,
  type: 'x',
  ts,
  target: { kind: 'channel', tenant: 't:1', channel: 'c' },
  data: { n },
  publishedAt: 0,
})

async function store(t: Test, policy = { size: 10, ttlMs: 60_000 }, now: () => number = Date.now) {
  const prefix = testPrefix('history')
  t.teardown(() => deletePrefix(prefix))
  const redis = await redisClient(t)
  const keys = new RedisKeys(prefix)
  return { h: new RedisHistory(redis, keys, () => policy, now), redis, keys, prefix }
}

t.test('offsets increase per stream from 1 and recovery returns exactly what follows a position', async (t) => {
  const { h } = await store(t)
  const a = await h.append('t:1\0c', event(1))
  const b = await h.append('t:1\0c', event(2))
  const other = await h.append('t:1\0d', event(3))
  t.equal(a.offset, 1)
  t.equal(b.offset, 2)
  t.equal(other.offset, 1, 'each stream counts on its own')
  t.equal(a.epoch, b.epoch)
  t.not(a.epoch, other.epoch, 'each stream has its own epoch')
  const r = await h.recover('t:1\0c', { offset: 1, epoch: a.epoch! })
  t.ok(r.recovered)
  if (r.recovered) {
    t.same(r.events.map((e) => [e.id, e.offset, e.epoch, e.data]), [['e2', 2, a.epoch, { n: 2 }]])
    t.same(r.events[0]!.target, { kind: 'channel', tenant: 't:1', channel: 'c' })
  }
  t.same(await h.recover('t:1\0c', { offset: 2, epoch: a.epoch! }), { recovered: true, events: [], position: { offset: 2, epoch: a.epoch } })
  t.match(await h.recover('t:1\0c', { offset: 5, epoch: a.epoch! }), { recovered: false }, 'a position from the future is refused')
  t.match(await h.recover('t:1\0c', { offset: 1, epoch: 'other' }), { recovered: false, position: { offset: 2, epoch: a.epoch } }, 'another epoch is refused')
  t.same(await h.position('t:1\0c'), { offset: 2, epoch: a.epoch })
})

t.test('a gap longer than the policy size is refused even when Redis kept more (MAXLEN ~)', async (t) => {
  const { h, redis, keys } = await store(t, { size: 3, ttlMs: 60_000 })
  let epoch = ''
  for (let i = 1; i <= 8; i++) epoch = (await h.append('t:1\0c', event(i))).epoch!
  t.ok((await redis.xlen(keys.stream('t:1\0c'))) >= 3, 'at least size entries kept')
  t.match(await h.recover('t:1\0c', { offset: 4, epoch }), { recovered: false }, '4 missed, size 3')
  const r = await h.recover('t:1\0c', { offset: 5, epoch })
  t.same(r.recovered ? r.events.map((e) => e.offset) : null, [6, 7, 8])
})

t.test('events older than the TTL are not replayed', async (t) => {
  let now = Date.parse('2026-01-01T00:00:00Z')
  const { h } = await store(t, { size: 100, ttlMs: 10_000 }, () => now)
  let epoch = ''
  for (let i = 1; i <= 3; i++) epoch = (await h.append('t:1\0c', event(i, new Date(now).toISOString()))).epoch!
  t.ok((await h.recover('t:1\0c', { offset: 1, epoch })).recovered)
  now += 20_000
  t.match(await h.recover('t:1\0c', { offset: 1, epoch }), { recovered: false }, 'expired by TTL')
  t.match(await h.recover('t:1\0c', { offset: 3, epoch }), { recovered: true, events: [] }, 'nothing missed: still recovered')
})

t.test('history lost (keys gone, as after Redis restarted empty): a new epoch, old positions refused', async (t) => {
  const { h, prefix } = await store(t)
  const first = await h.append('t:1\0c', event(1))
  await h.append('t:1\0c', event(2))
  await deletePrefix(prefix)
  const position = await h.position('t:1\0c')
  t.not(position.epoch, first.epoch, 'new epoch')
  t.equal(position.offset, 0)
  t.match(await h.recover('t:1\0c', { offset: 2, epoch: first.epoch! }), { recovered: false, position })
  const next = await h.append('t:1\0c', event(3))
  t.same([next.offset, next.epoch], [1, position.epoch], 'the new epoch announced by position() is the one appends use')
})

t.test('an unreadable entry is a hole: recovery is refused, never partial', async (t) => {
  const { h, redis, keys } = await store(t)
  const a = await h.append('t:1\0c', event(1))
  await h.append('t:1\0c', event(2))
  await redis.xdel(keys.stream('t:1\0c'), '2-0')
  await redis.xadd(keys.stream('t:1\0c'), '3-0', 't', Date.now(), 'm', '{not json')
  await redis.hset(keys.streamMeta('t:1\0c'), 'top', 3)
  t.match(await h.recover('t:1\0c', { offset: 1, epoch: a.epoch! }), { recovered: false })
})

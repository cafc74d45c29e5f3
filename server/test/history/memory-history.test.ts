import t from 'tap'
import { parseHistoryChannels, historyPolicyResolver } from '../../src/history/history-policy.ts'
import { MemoryHistory } from '../../src/history/memory-history.ts'
import type { HubEvent } from '../../src/realtime/event.ts'

const event = (n: number, ts = new Date().toISOString()): HubEvent => ({
  id: `e${n}`,
  type: 'x',
  ts,
  target: { kind: 'channel', tenant: 't', channel: 'c' },
  data: n,
  publishedAt: 0,
})

t.test('offsets increase per stream and recovery returns what follows a position', async (t) => {
  const h = new MemoryHistory(() => ({ size: 10, ttlMs: 60_000 }))
  const a = await h.append('k', event(1))
  const b = await h.append('k', event(2))
  const other = await h.append('other', event(3))
  t.equal(a.offset, 1)
  t.equal(b.offset, 2)
  t.equal(other.offset, 1, 'each stream counts on its own')
  t.equal(a.epoch, b.epoch)
  const r = await h.recover('k', { offset: 1, epoch: a.epoch! })
  t.ok(r.recovered)
  t.same(r.recovered ? r.events.map((e) => e.data) : null, [2])
  t.same(await h.recover('k', { offset: 2, epoch: a.epoch! }), { recovered: true, events: [], position: { offset: 2, epoch: a.epoch } })
  t.match(await h.recover('k', { offset: 5, epoch: a.epoch! }), { recovered: false }, 'a position from the future is refused')
})

t.test('size and age trim the history; a trimmed gap is not recoverable', async (t) => {
  let now = Date.parse('2026-01-01T00:00:00Z')
  const h = new MemoryHistory(() => ({ size: 3, ttlMs: 10_000 }), () => now)
  let epoch = ''
  for (let i = 1; i <= 5; i++) epoch = (await h.append('k', event(i, new Date(now).toISOString()))).epoch!
  t.match(await h.recover('k', { offset: 1, epoch }), { recovered: false })
  const r = await h.recover('k', { offset: 2, epoch })
  t.same(r.recovered ? r.events.map((e) => e.offset) : null, [3, 4, 5])
  now += 20_000
  t.match(await h.recover('k', { offset: 4, epoch }), { recovered: false }, 'expired by TTL')
  t.same(await h.position('k'), { offset: 5, epoch })
})

t.test('HISTORY_CHANNELS parses patterns with wildcards and refuses nonsense', async (t) => {
  const resolve = historyPolicyResolver('orders=100:60,tasks:*=5:1')
  t.same(resolve('orders'), { size: 100, ttlMs: 60_000 })
  t.same(resolve('tasks:north'), { size: 5, ttlMs: 1000 })
  t.equal(resolve('ordersx'), undefined)
  t.equal(resolve('other'), undefined)
  t.throws(() => parseHistoryChannels('orders=abc'), /cannot read/)
  t.same(parseHistoryChannels(''), [])
})

t.test('channels without end (a HISTORY_CHANNELS pattern) keep at most maxStreams: the least recently used goes, and comes back with a new epoch', async (t) => {
  const evicted: string[] = []
  const h = new MemoryHistory(() => ({ size: 10, ttlMs: 60_000 }), Date.now, { maxStreams: 3, evicted: (key) => void evicted.push(key) })
  const first = await h.append('a', event(1))
  await h.position('b')
  await h.position('c')
  await h.append('a', event(2)) // a used again: b is now the oldest
  for (let i = 0; i < 50; i++) await h.position(`new-${i}`)
  t.equal(h.size, 3, 'bounded')
  t.same(evicted.slice(0, 3), ['b', 'c', 'a'], 'least recently used first')
  t.equal(evicted.length, 50)
  t.match(await h.recover('a', { offset: 2, epoch: first.epoch! }), { recovered: false }, 'a position in a dropped stream is not replayed wrongly')
})

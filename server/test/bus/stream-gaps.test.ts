import type { StreamPosition } from '@switchboard/shared'
import t from 'tap'
import { StreamGaps } from '../../src/bus/stream-gaps.ts'
import type { HubEvent } from '../../src/realtime/event.ts'

const ev = (offset: number, epoch = 'e'): HubEvent => ({ id: `m${offset}`, type: 'x', ts: '', target: { kind: 'channel', tenant: 't', channel: 'c' }, data: offset, offset, epoch, publishedAt: 0 })

function setup(store: HubEvent[] | null = [], opts: { fail?: number } = {}) {
  const delivered: number[] = []
  const asked: StreamPosition[] = []
  let failures = opts.fail ?? 0
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => (release = r))
  const gaps = new StreamGaps({
    fetchAfter: async (_key, since) => {
      asked.push(since)
      await gate
      if (failures-- > 0) throw new Error('redis away')
      return store === null ? null : store.filter((e) => e.epoch === since.epoch && e.offset! > since.offset)
    },
    deliver: (e) => delivered.push(e.offset!),
    retryMs: 1,
  })
  return { gaps, delivered, asked, release }
}

/** Waits (bounded) for the async fills to run; the assertions that follow say what they did. */
async function settle(done: () => boolean = () => false, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms
  await new Promise((r) => setTimeout(r, 10))
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
}

t.test('in-order events pass straight through; duplicates are dropped', async (t) => {
  const { gaps, delivered, asked } = setup()
  for (const n of [1, 2, 3, 3, 2, 4]) gaps.accept('k', 'topic', ev(n))
  t.same(delivered, [1, 2, 3, 4])
  t.same(asked, [], 'no gap, no read')
})

t.test('a gap is filled from the stream before the events after it, which wait meanwhile', async (t) => {
  const { gaps, delivered, asked, release } = setup([ev(1), ev(2), ev(3), ev(4), ev(5), ev(6)])
  gaps.accept('k', 'topic', ev(1))
  gaps.accept('k', 'topic', ev(4))
  gaps.accept('k', 'topic', ev(5))
  t.same(delivered, [1], 'held while the fill runs')
  t.same(asked, [{ offset: 1, epoch: 'e' }])
  release()
  await settle(() => delivered.length >= 6)
  gaps.accept('k', 'topic', ev(7))
  t.same(delivered, [1, 2, 3, 4, 5, 6, 7], 'filled (up to what the stream had), the held ones not twice, then live')
  t.same(gaps.stats, { filled: 1, unfilled: 0 })
})

t.test('resync after a lost subscriber reads every known stream from its last offset; retries while the store fails', async (t) => {
  const { gaps, delivered, release } = setup([ev(1), ev(2), ev(3)], { fail: 2 })
  gaps.accept('k', 'topic', ev(1))
  gaps.resync()
  gaps.accept('k', 'topic', ev(3))
  release()
  await settle(() => delivered.length >= 3)
  t.same(delivered, [1, 2, 3])
})

t.test('a gap the store cannot fill is delivered as it is, and counted', async (t) => {
  const { gaps, delivered, release } = setup(null)
  gaps.accept('k', 'topic', ev(1))
  gaps.accept('k', 'topic', ev(5))
  release()
  await settle(() => delivered.length >= 2)
  t.same(delivered, [1, 5])
  t.same(gaps.stats, { filled: 0, unfilled: 1 })
})

t.test('a catch-up the store never answers is counted and warned, even with no event waiting', async (t) => {
  const warned: string[] = []
  const gaps = new StreamGaps({
    fetchAfter: async () => {
      throw new Error('redis away')
    },
    deliver: () => {},
    log: { info() {}, warn: (_o: object, msg: string) => void warned.push(msg) },
    retries: 2,
    retryMs: 1,
  })
  gaps.accept('k', 'topic', ev(1))
  gaps.resync()
  await settle(() => gaps.stats.unfilled > 0)
  t.same(gaps.stats, { filled: 0, unfilled: 1 })
  t.same(warned, ['history catch-up failed: events published meanwhile may be missing on this instance'])
})

t.test('a new epoch starts over; a forgotten topic forgets its streams', async (t) => {
  const { gaps, delivered, asked } = setup()
  gaps.accept('k', 'topic', ev(9, 'old'))
  gaps.accept('k', 'topic', ev(1, 'new'))
  t.same(delivered, [9, 1])
  gaps.forgetTopic('topic')
  gaps.accept('k', 'topic', ev(5, 'new'))
  t.same(delivered, [9, 1, 5], 'no gap read after resubscribing: the position was forgotten')
  t.same(asked, [])
})

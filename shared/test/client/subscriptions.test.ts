import t from 'tap'
import { composeReply, Subscriptions } from '../../src/client/subscriptions.ts'
import type { PushFrame } from '../../src/index.ts'

const push = (channel: string, offset: number, epoch = 'e1'): PushFrame => ({ type: 'x', id: `e${offset}`, ts: '', channel, offset, epoch, data: null })

t.test('groups wanted channels by identical filters, whatever the key order', async (t) => {
  const subs = new Subscriptions()
  subs.want(['a'], { level: ['error'], service: ['billing'] })
  subs.want(['b'])
  subs.want(['c'], { service: ['billing'], level: ['error'] })
  subs.want(['d'])
  t.same(subs.groups(), [
    { channels: ['a', 'c'], filters: { level: ['error'], service: ['billing'] } },
    { channels: ['b', 'd'] },
  ])
  subs.want(['a']) // subscribing again replaces the filters
  t.same(subs.groups().map((g) => g.channels), [['a', 'b', 'd'], ['c']])
})

t.test('positions follow pushes; duplicates within an epoch are refused; a new epoch replaces', async (t) => {
  const subs = new Subscriptions()
  subs.want(['orders'])
  t.equal(subs.since(['orders']), undefined, 'no since before any push')
  t.ok(subs.notePush(push('orders', 4)))
  t.ok(subs.notePush(push('orders', 5)))
  t.notOk(subs.notePush(push('orders', 5)), 'same offset again is a duplicate')
  t.notOk(subs.notePush(push('orders', 3)), 'an older offset is a duplicate')
  t.same(subs.since(['orders', 'other']), { orders: { offset: 5, epoch: 'e1' } })
  t.ok(subs.notePush(push('orders', 1, 'e2')), 'a new epoch starts over')
  t.same(subs.position('orders'), { offset: 1, epoch: 'e2' })
  t.ok(subs.notePush({ type: 'x', id: 'r', ts: '', data: null }), 'room pushes (no channel) always pass')
  t.ok(subs.notePush(push('unwanted', 1)), 'pushes of channels not wanted pass')
  t.equal(subs.position('unwanted'), undefined, 'and are not tracked')
})

t.test('a subscribe reply drops denied channels and applies recovery positions', async (t) => {
  const subs = new Subscriptions()
  subs.want(['a', 'b', 'c'])
  subs.notePush(push('a', 2))
  subs.notePush(push('b', 7))
  const recovery = subs.applyReply({
    type: 'subscribed',
    channels: ['a', 'b'],
    denied: [{ channel: 'c', code: 'FORBIDDEN_CHANNEL', message: 'no' }],
    recovery: [
      { channel: 'a', recovered: true, position: { offset: 9, epoch: 'e1' }, replayed: 7 },
      { channel: 'b', recovered: false, position: { offset: 0, epoch: 'e9' }, replayed: 0 },
    ],
  })
  t.equal(recovery.length, 2)
  t.notOk(subs.has('c'))
  t.same(subs.position('a'), { offset: 2, epoch: 'e1' }, 'recovered: the replayed pushes move it, not the reply')
  t.ok(subs.notePush(push('a', 3)), 'so a replay arriving after the reply is not a duplicate')
  t.same(subs.position('b'), { offset: 0, epoch: 'e9' }, 'not recovered: continue from the reply position')
  t.equal(subs.recovery('b')?.recovered, false)
  subs.drop(['b'])
  t.equal(subs.position('b'), undefined)
  t.equal(subs.recovery('b'), undefined)
})

t.test('composeReply keeps only the channels asked for', async (t) => {
  const reply = composeReply(['a', 'x'], [
    { type: 'subscribed', channels: ['a', 'b'], denied: [{ channel: 'x', code: 'FORBIDDEN_CHANNEL', message: 'no' }] },
    { type: 'subscribed', channels: ['c'], denied: [], recovery: [{ channel: 'c', recovered: true, position: { offset: 1, epoch: 'e' }, replayed: 0 }] },
  ])
  t.same(reply, { type: 'subscribed', channels: ['a'], denied: [{ channel: 'x', code: 'FORBIDDEN_CHANNEL', message: 'no' }] })
})

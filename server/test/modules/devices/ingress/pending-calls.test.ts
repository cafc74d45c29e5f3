import t from 'tap'
import { PendingCalls } from '../../../../src/modules/devices/ingress/pending-calls.ts'

t.test('an answer settles its call once; an unknown or late id is refused', async (t) => {
  const calls = new PendingCalls<string>()
  const a = calls.open(1_000)
  const b = calls.open(1_000)
  t.not(a.id, b.id)
  t.ok(calls.settle(b.id, { ok: true, value: 'b' }))
  t.notOk(calls.settle(b.id, { ok: true, value: 'again' }))
  t.notOk(calls.settle(999, { ok: true, value: 'x' }))
  t.same(await b.outcome, { ok: true, value: 'b' })
  calls.failAll('gone')
  t.same(await a.outcome, { ok: false, code: 'DEVICE_OFFLINE', message: 'gone' })
  t.equal(calls.size, 0)
})

t.test('a call without an answer times out as DEVICE_TIMEOUT', async (t) => {
  const calls = new PendingCalls()
  const c = calls.open(20)
  // the deadline timer is unref'd (a live socket keeps a server up); keep this test process up meanwhile
  const alive = setInterval(() => {}, 1_000)
  t.teardown(() => clearInterval(alive))
  t.match(await c.outcome, { ok: false, code: 'DEVICE_TIMEOUT' })
  t.notOk(calls.settle(c.id, { ok: true, value: 1 }), 'a late answer finds nothing')
})

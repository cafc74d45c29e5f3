import t from 'tap'
import { ClusterAdmission } from '../../src/cluster/admission.ts'
import { MemoryPresence } from '../../src/cluster/memory-presence.ts'
import { MemoryPublishRate } from '../../src/cluster/publish-rate.ts'
import type { Connection } from '../../src/realtime/connection.ts'

const quiet = { info() {}, warn() {} }
const conn = (id: string, user: string) => ({ id, principal: { user, tenant: 'acme' } }) as unknown as Connection

t.test('publish rate: a fixed one-second window per tenant', async (t) => {
  let now = 10_000
  const rate = new MemoryPublishRate(2, () => now)
  t.same([await rate.take('a'), await rate.take('a'), await rate.take('a'), await rate.take('b')], [true, true, false, true])
  now += 999
  t.equal(await rate.take('a'), false, 'same second')
  now += 1
  t.equal(await rate.take('a'), true, 'next second')
  t.equal(await rate.take('a', 2), false, 'a batch counts each of its events')
  t.equal(await rate.take('b', 2), true, 'a batch that fits')
})

t.test('admission counts a connection once, refuses over the cap, takes it back on close', async (t) => {
  const store = new MemoryPresence()
  const admission = new ClusterAdmission(store, 2, quiet)
  t.equal(await admission.admit(conn('1', 'u')), true)
  t.equal(await admission.admit(conn('2', 'u')), true)
  t.equal(await admission.admit(conn('3', 'u')), false, 'over the cap')
  admission.closed(conn('3', 'u') as never) // refused ones were never counted
  t.same([...admission.snapshot().values()], [{ tenant: 'acme', user: 'u', connections: 2 }])
  admission.closed(conn('1', 'u') as never)
  t.equal(await admission.admit(conn('4', 'u')), true, 'a closed connection frees its slot')
})

t.test('a connection closed while its admission is pending is taken back when the answer comes', async (t) => {
  const store = new MemoryPresence()
  const admission = new ClusterAdmission(store, 1, quiet)
  const pending = admission.admit(conn('1', 'u'))
  admission.closed(conn('1', 'u') as never)
  t.equal(await pending, true)
  await new Promise((r) => setImmediate(r))
  t.equal(await admission.admit(conn('2', 'u')), true, 'the slot was released')
})

t.test('when the store fails the connection is admitted on the local cap; the next rewrite counts it', async (t) => {
  let up = false
  const released: string[] = []
  const store = {
    admit: () => (up ? Promise.resolve(true) : Promise.reject(new Error('down'))),
    release: (_t: string, user: string) => (released.push(user), Promise.resolve()),
  } as unknown as MemoryPresence
  const admission = new ClusterAdmission(store, 1, quiet)
  t.equal(await admission.admit(conn('1', 'u')), true, 'admitted while the store is down')
  admission.closed(conn('1', 'u') as never)
  t.same(released, [], 'never counted, nothing to take back')
  t.equal(await admission.admit(conn('2', 'u')), true)
  up = true
  t.same([...admission.snapshot().values()], [{ tenant: 'acme', user: 'u', connections: 1 }], 'the rewrite after Redis returned counts it')
  admission.closed(conn('2', 'u') as never)
  t.same(released, ['u'], 'so closing it takes it back')
})

import t from 'tap'
import { RawClient } from '../helpers/raw-client.ts'
import { publish, startServer } from '../helpers/server.ts'

const env = { HISTORY_CHANNELS: 'orders=5:3600,feed:*=100:3600' }
const user = { sub: 'u', tenant: 'shop' }
const svcClaims = { sub: 'svc', tenant: 'shop', roles: ['service'] }

async function pub(s: Awaited<ReturnType<typeof startServer>>, channel: string, n: number) {
  const res = await publish(s, s.token(svcClaims), { type: 'SALE_CREATED', tenant: 'shop', channel, data: { saleId: `S-${n}`, total: n } })
  if (res.status !== 200) throw new Error(JSON.stringify(res.body))
  return res.body
}

t.test('a client that missed N messages recovers exactly those N, in order, then continues live', async (t) => {
  const s = await startServer(t, env)
  const c1 = await RawClient.authed(s.ws, s.token(user))
  const sub = await c1.request({ type: 'subscribe', channels: ['orders'] })
  t.match(sub.recovery, [{ channel: 'orders', recovered: true, replayed: 0, position: { offset: 0 } }])
  const first = await pub(s, 'orders', 1)
  const seen = await c1.next('SALE_CREATED')
  t.match(seen, { offset: 1, epoch: first.epoch })
  c1.close()
  for (let i = 2; i <= 4; i++) await pub(s, 'orders', i)

  const c2 = await RawClient.authed(s.ws, s.token(user))
  const reply = await c2.request({ type: 'subscribe', channels: ['orders'], since: { orders: { offset: seen.offset, epoch: seen.epoch } } })
  t.match(reply.recovery, [{ channel: 'orders', recovered: true, replayed: 3, position: { offset: 4, epoch: seen.epoch } }])
  await pub(s, 'orders', 5)
  await c2.next((f) => f.data?.saleId === 'S-5')
  t.same(c2.all('SALE_CREATED').map((f) => [f.offset, f.data.saleId]), [
    [2, 'S-2'],
    [3, 'S-3'],
    [4, 'S-4'],
    [5, 'S-5'],
  ])
  c2.close()
})

t.test('a gap beyond retention says recovered:false and replays nothing', async (t) => {
  const s = await startServer(t, env)
  const c1 = await RawClient.authed(s.ws, s.token(user))
  await c1.request({ type: 'subscribe', channels: ['orders'] })
  await pub(s, 'orders', 1)
  const seen = await c1.next('SALE_CREATED')
  c1.close()
  for (let i = 2; i <= 10; i++) await pub(s, 'orders', i) // only the last 5 are kept

  const c2 = await RawClient.authed(s.ws, s.token(user))
  const reply = await c2.request({ type: 'subscribe', channels: ['orders'], since: { orders: { offset: seen.offset, epoch: seen.epoch } } })
  t.match(reply.recovery, [{ recovered: false, replayed: 0, position: { offset: 10 } }])
  t.equal(c2.all('SALE_CREATED').length, 0, 'never a silent partial replay')
  const stale = await c2.request({ type: 'subscribe', channels: ['feed:a'], since: { 'feed:a': { offset: 3, epoch: 'from-another-life' } } })
  t.match(stale.recovery, [{ channel: 'feed:a', recovered: false }], 'an unknown epoch is not trusted')
  c2.close()
})

t.test('two subscribers see the same order; channels without history carry no offsets', async (t) => {
  const s = await startServer(t, env)
  const a = await RawClient.authed(s.ws, s.token(user))
  const b = await RawClient.authed(s.ws, s.token({ sub: 'v', tenant: 'shop' }))
  await a.request({ type: 'subscribe', channels: ['feed:x', 'plain'] })
  await b.request({ type: 'subscribe', channels: ['feed:x'] })
  await Promise.all(Array.from({ length: 20 }, (_, i) => pub(s, 'feed:x', i)))
  await a.next((f) => f.offset === 20)
  await b.next((f) => f.offset === 20)
  const order = (c: RawClient) => c.all('SALE_CREATED').map((f) => `${f.offset}:${f.data.saleId}`)
  t.same(order(a), order(b))
  t.same(a.all('SALE_CREATED').map((f) => f.offset), Array.from({ length: 20 }, (_, i) => i + 1))
  await pub(s, 'plain', 99)
  const plain = await a.next((f) => f.channel === 'plain')
  t.notOk('offset' in plain)
  a.close()
  b.close()
})

t.test('events published while a recovery replay is read are neither lost nor duplicated', async (t) => {
  const { MemoryHistory } = await import('../../src/history/memory-history.ts')
  const { historyPolicyResolver } = await import('../../src/history/history-policy.ts')
  const policy = historyPolicyResolver(env.HISTORY_CHANNELS)
  const inner = new MemoryHistory((key) => policy(key.split('\0')[1]!)!)
  let gate: (() => void) | undefined
  // a slow store: recovery waits until the test opens the gate
  const slow = Object.assign(Object.create(inner), {
    append: inner.append.bind(inner),
    position: inner.position.bind(inner),
    close: inner.close.bind(inner),
    recover: async (key: string, since: { offset: number; epoch: string }) => {
      await new Promise<void>((r) => (gate = r))
      return inner.recover(key, since)
    },
  })
  const s = await startServer(t, env, { history: slow })
  const c1 = await RawClient.authed(s.ws, s.token(user))
  await c1.request({ type: 'subscribe', channels: ['orders'] })
  await pub(s, 'orders', 1)
  const seen = await c1.next('SALE_CREATED')
  c1.close()
  await pub(s, 'orders', 2)
  const c2 = await RawClient.authed(s.ws, s.token(user))
  const reply = c2.request({ type: 'subscribe', channels: ['orders'], since: { orders: { offset: seen.offset, epoch: seen.epoch } } })
  while (gate === undefined) await new Promise((r) => setTimeout(r, 5))
  await pub(s, 'orders', 3) // published during the recovery read: held back, then de-duplicated
  gate()
  t.match((await reply).recovery, [{ recovered: true }])
  await c2.next((f) => f.data?.saleId === 'S-3')
  t.same(c2.all('SALE_CREATED').map((f) => f.offset), [2, 3])
  c2.close()
})

import { CLOSE_CODES } from '@switchboard/shared'
import { createServer, connect, type AddressInfo } from 'node:net'
import t from 'tap'
import { RedisPublishRate } from '../../src/cluster/publish-rate.ts'
import { RedisKeys } from '../../src/redis/keys.ts'
import { publish, startCluster } from '../helpers/cluster.ts'
import { deletePrefix, redisClient, testPrefix } from '../helpers/redis.ts'
import type { TestServer } from '../helpers/server.ts'
import { TestClient } from '../helpers/ws-client.ts'

/** A client of `token` on `node` that got auth_success within `tries` attempts `pauseMs` apart (a freed slot comes back through Redis, a moment later). */
async function admittedSoon(node: TestServer, token: string, tries: number, pauseMs: number): Promise<TestClient | undefined> {
  for (let i = 0; i < tries; i++) {
    const c = await TestClient.connect(node.http, token)
    const outcome = await Promise.race([c.next((f) => f.type === 'auth_success').then(() => 'ok'), c.closed.then(() => 'closed')])
    if (outcome === 'ok') return c
    await new Promise((r) => setTimeout(r, pauseMs))
  }
  return undefined
}

t.test('the per-user connection cap holds across instances', async (t) => {
  const { nodes } = await startCluster(t, 'cap', 2, { MAX_CONNECTIONS_PER_USER: '2' })
  const [a, b] = nodes as [TestServer, TestServer]
  const token = a.token({ sub: 'greedy', tenant: 'acme', roles: ['user'] })
  const first = await TestClient.connect(a.http, token)
  t.match(await first.next((f) => f.type === 'auth_success'), { user: 'greedy' })
  const second = await TestClient.connect(b.http, token)
  t.match(await second.next((f) => f.type === 'auth_success'), { user: 'greedy' })

  // one below the local cap on either instance, over the cluster's
  const third = await TestClient.connect(a.http, token)
  t.same((await third.closed).code, CLOSE_CODES.TOO_MANY_CONNECTIONS)
  t.same(third.pending((f) => f.type === 'auth_success'), [], 'refused before auth_success')
  const other = await TestClient.connect(b.http, b.token({ sub: 'someone', tenant: 'acme', roles: ['user'] }))
  t.match(await other.next((f) => f.type === 'auth_success'), { user: 'someone' }, 'other users are not affected')

  first.close()
  await first.closed
  // the slot comes back once the close is counted (a moment later, through Redis)
  const again = await admittedSoon(b, token, 50, 20)
  t.ok(again, 'a freed slot is usable from another instance')
  for (const c of [second, other, again]) c?.close()
})

t.test('an admission Redis answered too late is counted right again: the user is not locked out once the connection is gone', async (t) => {
  // a proxy in front of Redis that can hold its replies back: a stall, not an outage (the connection stays up)
  let delayMs = 0
  const proxy = createServer((client) => {
    const upstream = connect(6379, '127.0.0.1')
    client.on('data', (d) => upstream.write(d))
    let replies = Promise.resolve() // in order: a held-back reply holds back the ones after it
    upstream.on('data', (d) => {
      const delay = delayMs
      replies = replies.then(() => new Promise((r) => setTimeout(r, delay))).then(() => void client.write(d))
    })
    const end = () => (client.destroy(), upstream.destroy())
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise((r) => proxy.close(r)))
  const { port } = proxy.address() as AddressInfo
  const cluster = await startCluster(t, 'cap-stall', 0, { MAX_CONNECTIONS_PER_USER: '1' })
  const a = await cluster.add({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_COMMAND_TIMEOUT_MS: '100' })
  const b = await cluster.add() // straight to Redis
  const token = a.token({ sub: 'bob', tenant: 'acme', roles: ['user'] })

  delayMs = 400 // the ADMIT runs in Redis, its answer comes after the command timeout: admitted on the local cap
  const first = await TestClient.connect(a.http, token)
  t.match(await first.next((f) => f.type === 'auth_success'), { user: 'bob' })
  delayMs = 0
  first.close()
  await first.closed
  await new Promise((r) => setTimeout(r, 500)) // the stall is over, its late answers are in
  // without the rewrite Redis would count bob's gone connection for ever, and refuse him at the cap of one
  const again = await admittedSoon(b, token, 60, 50)
  t.ok(again, 'admitted again (on another instance) once the share is rewritten')
  again?.close()
})

t.test('the publish rate window is shared: two limiters (two instances) count against one budget', async (t) => {
  const prefix = testPrefix('rate')
  t.teardown(() => deletePrefix(prefix))
  const redis = await redisClient(t)
  let now = 1_700_000_000_000
  const keys = new RedisKeys(prefix)
  const a = new RedisPublishRate(redis, keys, 3, () => now)
  const b = new RedisPublishRate(redis, keys, 3, () => now)
  const results = [await a.take('acme'), await b.take('acme'), await a.take('acme'), await b.take('acme'), await a.take('acme')]
  t.same(results, [true, true, true, false, false])
  t.equal(await b.take('beta'), true, 'per tenant')
  now += 1000
  t.equal(await b.take('acme'), true, 'a new second, a new budget')
  t.ok((await redis.pttl(keys.publishRate('acme', Math.floor(now / 1000)))) > 0, 'windows expire by themselves')
  t.equal(await a.take('acme', 2), true, 'a batch of two fits (1 + 2 of 3)')
  t.equal(await b.take('acme', 1), false, 'and the budget is spent for every instance')
})

t.test('over PUBLISH_RATE_PER_TENANT, publishes answer 429 with retry-after, on any instance', async (t) => {
  const { nodes } = await startCluster(t, 'rate-http', 2, { PUBLISH_RATE_PER_TENANT: '1' })
  const [a, b] = nodes as [TestServer, TestServer]
  const token = a.token({ sub: 'svc', tenant: 'acme', roles: ['service'] })
  const body = { type: 'dashboard_event', tenant: 'acme', data: { reason: 'r' } }
  // both publishes must fall in one second: start at the beginning of one, retry if the machine was too slow
  let first = 0
  let second: Response | undefined
  for (let attempt = 0; attempt < 5; attempt++) {
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5))
    const window = Math.floor(Date.now() / 1000)
    first = (await publish(a, token, body)).status
    second = await fetch(`${b.http}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) })
    if (Math.floor(Date.now() / 1000) === window) break
  }
  t.equal(first, 200)
  t.equal(second!.status, 429, 'the other instance refuses: one budget for the cluster')
  t.equal(second!.headers.get('retry-after'), '1')
  t.match(await second!.json(), { code: 'RATE_LIMITED' })
})

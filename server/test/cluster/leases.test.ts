import { Redis } from 'ioredis'
import t from 'tap'
import { LocalLeases, RedisLeases } from '../../src/cluster/leases.ts'
import { RedisKeys } from '../../src/redis/keys.ts'
import { deletePrefix, REDIS_URL, redisClient, testPrefix } from '../helpers/redis.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function twoInstances(t: { teardown(fn: () => unknown): void }, ttlMs: number) {
  const prefix = testPrefix('leases')
  t.teardown(() => deletePrefix(prefix))
  const redis = await redisClient(t)
  const keys = new RedisKeys(prefix)
  return {
    redis,
    keys,
    a: new RedisLeases({ redis, keys, instanceId: 'a', ttlMs }),
    b: new RedisLeases({ redis, keys, instanceId: 'b', ttlMs }),
  }
}

t.test('one holder per name: the other instance is refused until the holder releases it', async (t) => {
  const { redis, keys, a, b } = await twoInstances(t, 10_000)
  t.equal(await a.acquire('shelly-cloud:x'), true)
  t.equal(await a.acquire('shelly-cloud:x'), true, 'taking it again is renewing it')
  t.equal(await b.acquire('shelly-cloud:x'), false, 'b is refused')
  t.equal(await b.acquire('shelly-cloud:y'), true, 'another name is free')
  t.equal(await redis.get(keys.lease('shelly-cloud:x')), 'a')
  t.ok((await redis.pttl(keys.lease('shelly-cloud:x'))) > 9_000, 'the lease expires by itself')
  t.same(await a.renew(['shelly-cloud:x']), [], 'a keeps it')
  t.same(await b.renew(['shelly-cloud:x', 'shelly-cloud:y']), ['shelly-cloud:x'], 'b does not hold x')

  await b.release('shelly-cloud:x') // not b's: nothing happens
  t.equal(await redis.get(keys.lease('shelly-cloud:x')), 'a')
  await a.release('shelly-cloud:x')
  t.equal(await redis.get(keys.lease('shelly-cloud:x')), null)
  t.equal(await b.acquire('shelly-cloud:x'), true, 'b takes it once released')
  t.same(await a.renew(['shelly-cloud:x']), ['shelly-cloud:x'], 'a learns it lost it')
})

t.test('a lease not renewed expires and another instance takes it over', async (t) => {
  const { a, b } = await twoInstances(t, 150)
  t.equal(await a.acquire('n'), true)
  t.equal(await b.acquire('n'), false)
  await sleep(250)
  t.equal(await b.acquire('n'), true, 'a stopped renewing: b has it')
  t.same(await a.renew(['n']), ['n'])
})

t.test('Redis unreachable: the holder keeps its lease only until its time is up, then reports it lost', async (t) => {
  const prefix = testPrefix('leases-down')
  t.teardown(() => deletePrefix(prefix))
  // a client of its own that can be cut: no offline queue, no reconnect
  const redis = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
  await redis.connect()
  t.teardown(() => redis.disconnect())
  const leases = new RedisLeases({ redis, keys: new RedisKeys(prefix), instanceId: 'a', ttlMs: 500 })
  t.equal(await leases.acquire('n'), true)
  redis.disconnect()
  await t.rejects(leases.acquire('n'), 'acquire rejects when Redis does not answer')
  t.same(await leases.renew(['n']), [], 'within its time the lease is still held')
  await sleep(450) // past 80% of the lease: another instance may take it soon
  t.same(await leases.renew(['n']), ['n'], 'then it is lost, before it can expire in Redis')
  await leases.release('n') // never rejects
})

t.test('one instance without Redis holds every lease', async (t) => {
  const local = new LocalLeases()
  t.equal(await local.acquire(), true)
  t.same(await local.renew(), [])
})

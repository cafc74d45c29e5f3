/**
 * Two real server processes behind a balancer share Redis; clients on both
 * receive a stream published at a steady rate; one process is SIGKILLed
 * mid-stream. Its clients reconnect (jittered backoff) through the balancer
 * to the survivor and recover the gap from the Redis stream: every client
 * must end with every message exactly once, in order.
 */
import { SwitchboardClient } from '@switchboard/shared/client'
import { createSigner } from 'fast-jwt'
import t from 'tap'
import { balancer } from '../helpers/balancer.ts'
import { spawnServer } from '../helpers/processes.ts'
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/redis.ts'
import { TEST_SECRET } from '../helpers/server.ts'

const sign = createSigner({ key: TEST_SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })
const CLIENTS = 20
const MESSAGES = 300
const KILL_AT = 100
const INTERVAL_MS = 10

t.test('SIGKILL of one of two instances: its clients fail over and recover the gap, zero lost, zero duplicated', async (t) => {
  const prefix = testPrefix('sigkill')
  t.teardown(() => deletePrefix(prefix))
  const env = {
    REDIS_URL,
    REDIS_PREFIX: prefix,
    HISTORY_CHANNELS: 'stream=10000:600',
    CLUSTER_HEARTBEAT_MS: '200',
    CLUSTER_LEASE_MS: '1000',
  }
  const A = await spawnServer(t, { ...env, INSTANCE_ID: 'A' })
  const B = await spawnServer(t, { ...env, INSTANCE_ID: 'B' })
  const lb = await balancer([A.port, B.port], 'round-robin')
  t.teardown(() => lb.close())

  interface Reader {
    client: SwitchboardClient
    seqs: number[]
    instances: string[]
    connectedAt: number[]
    recoveries: boolean[]
  }
  const readers: Reader[] = []
  for (let i = 0; i < CLIENTS; i++) {
    const client = new SwitchboardClient({
      url: `ws://127.0.0.1:${lb.port}`,
      token: sign({ sub: `reader-${i}`, tenant: 'acme', roles: ['user'] }),
      mode: 'query',
      // full jitter: the failed-over clients do not all come back at the same instant
      backoff: { initialDelayMs: 100, maxDelayMs: 1_000, randomizationFactor: 1, maxAttempts: Infinity },
    })
    const r: Reader = { client, seqs: [], instances: [], connectedAt: [], recoveries: [] }
    client.on('dashboard_event', (data) => r.seqs.push(Number(String(data.reason).slice(1))))
    client.events.on('connected', (session) => {
      r.instances.push(session.connectionId.split('-')[0]!)
      r.connectedAt.push(Date.now())
    })
    client.events.on('recovery', (entry) => r.recoveries.push(entry.recovered))
    await client.connect()
    await client.subscribe(['stream'])
    readers.push(r)
    t.teardown(() => client.close())
  }
  const onA = readers.filter((r) => r.instances[0] === 'A').length
  t.ok(onA > 0 && onA < CLIENTS, `clients on both instances at first (A: ${onA}, B: ${CLIENTS - onA})`)

  // the publisher talks to the survivor only: every publish is acknowledged exactly once
  const service = sign({ sub: 'feeder', tenant: 'acme', roles: ['service'] })
  let killedAt = 0
  for (let n = 1; n <= MESSAGES; n++) {
    if (n === KILL_AT) {
      A.child.kill('SIGKILL')
      killedAt = Date.now()
    }
    const res = await fetch(`http://127.0.0.1:${B.port}/api/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
      body: JSON.stringify({ type: 'dashboard_event', tenant: 'acme', channel: 'stream', data: { reason: `m${n}` } }),
    })
    t.equal(res.status, 200, `publish ${n}`)
    await new Promise((r) => setTimeout(r, INTERVAL_MS))
  }
  t.equal(await A.exited, null, 'A died of the signal')

  const deadline = Date.now() + 30_000
  while (readers.some((r) => r.seqs.length < MESSAGES) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  const expected = Array.from({ length: MESSAGES }, (_, i) => i + 1)
  let lost = 0
  let duplicated = 0
  for (const r of readers) {
    const unique = new Set(r.seqs)
    lost += expected.filter((n) => !unique.has(n)).length
    duplicated += r.seqs.length - unique.size
  }
  const failover = Math.max(...readers.filter((r) => r.instances[0] === 'A').map((r) => (r.connectedAt.at(-1) ?? Infinity) - killedAt))
  t.comment(`SIGKILL after ${KILL_AT - 1} of ${MESSAGES} messages (${INTERVAL_MS} ms apart); ${onA} clients failed over, the last one back ${failover} ms after the kill; lost ${lost}, duplicated ${duplicated}`)
  t.equal(lost, 0, 'zero lost')
  t.equal(duplicated, 0, 'zero duplicated')
  for (const r of readers) t.same(r.seqs, expected, `in order for a client first on ${r.instances[0]}`)
  const failedOver = readers.filter((r) => r.instances[0] === 'A')
  t.ok(
    failedOver.every((r) => r.instances.at(-1) === 'B' && r.recoveries.at(-1) === true),
    'A\'s clients are on B now, with recovered:true',
  )

  // the survivor reads the cluster view from Redis: A's lease expires, its connections disappear
  let instances: string[] = []
  for (let i = 0; i < 100; i++) {
    const stats = (await (await fetch(`http://127.0.0.1:${B.port}/ws/stats`)).json()) as { stats: { cluster: { instances: Array<{ id: string }> } } }
    instances = stats.stats.cluster.instances.map((x) => x.id)
    if (instances.length === 1) break
    await new Promise((r) => setTimeout(r, 50))
  }
  t.same(instances, ['B'], 'only the survivor in the cluster view')
})

/**
 * The failure case with real processes: Redis is unreachable for one
 * of two instances for 30 s while events are published on both at a steady
 * rate. The cut instance refuses publishes at once (503), says degraded, keeps
 * its clients connected; when Redis returns it resubscribes by itself and its
 * clients get what they missed. Every acknowledged publish is delivered to
 * every client exactly once; no refused one is delivered to anybody.
 */
import { SwitchboardClient } from '@switchboard/shared/client'
import { createSigner } from 'fast-jwt'
import t from 'tap'
import { spawnServer } from '../helpers/processes.ts'
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/redis.ts'
import { TEST_SECRET } from '../helpers/server.ts'
import { tcpProxy } from '../helpers/tcp-proxy.ts'

const sign = createSigner({ key: TEST_SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })
const OUTAGE_MS = 30_000
const INTERVAL_MS = 50

t.test('Redis away from one instance for 30 s while publishing: fail fast, degrade, resume, nothing acknowledged is lost', async (t) => {
  const prefix = testPrefix('outage30')
  t.teardown(() => deletePrefix(prefix))
  const proxy = await tcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) })
  t.teardown(() => proxy.close())
  const env = { REDIS_PREFIX: prefix, HISTORY_CHANNELS: 'feed=10000:600', CLUSTER_HEARTBEAT_MS: '1000', CLUSTER_LEASE_MS: '60000' }
  const A = await spawnServer(t, { ...env, REDIS_URL, INSTANCE_ID: 'A' })
  const B = await spawnServer(t, { ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}`, INSTANCE_ID: 'B' })

  const readers = await Promise.all(
    [A.port, B.port].map(async (port, i) => {
      const client = new SwitchboardClient({ url: `ws://127.0.0.1:${port}`, token: sign({ sub: `r${i}`, tenant: 'acme', roles: ['user'] }), mode: 'query' })
      const seqs: number[] = []
      client.on('dashboard_event', (data) => seqs.push(Number(String(data.reason).slice(1))))
      await client.connect()
      await client.subscribe(['feed'])
      t.teardown(() => client.close())
      return { client, seqs, drops: 0 }
    }),
  )
  for (const r of readers) r.client.events.on('disconnected', () => r.drops++)

  const service = sign({ sub: 'feeder', tenant: 'acme', roles: ['service'] })
  const acknowledged: number[] = []
  const refused: number[] = []
  let slowestRefusalMs = 0
  let degradedSeen = false
  const publishOnce = async (seq: number, port: number) => {
    const started = Date.now()
    const res = await fetch(`http://127.0.0.1:${port}/api/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
      body: JSON.stringify({ type: 'dashboard_event', tenant: 'acme', channel: 'feed', data: { reason: `m${seq}` } }),
    })
    if (res.status === 200) acknowledged.push(seq)
    else {
      t.equal(res.status, 503, `publish ${seq} refused with 503`)
      refused.push(seq)
      slowestRefusalMs = Math.max(slowestRefusalMs, Date.now() - started)
    }
    await res.arrayBuffer()
  }

  let seq = 0
  const runFor = async (ms: number, during?: () => Promise<void>) => {
    const until = Date.now() + ms
    while (Date.now() < until) {
      seq++
      await publishOnce(seq, seq % 2 ? A.port : B.port)
      await during?.()
      await new Promise((r) => setTimeout(r, INTERVAL_MS))
    }
  }
  await runFor(2_000)
  proxy.stop()
  const cutAt = Date.now()
  await runFor(OUTAGE_MS, async () => {
    if (degradedSeen || Date.now() - cutAt < 2_000) return
    const health = (await (await fetch(`http://127.0.0.1:${B.port}/health`)).json()) as { status: string }
    degradedSeen = health.status === 'degraded'
  })
  proxy.start()
  await runFor(5_000)

  t.ok(degradedSeen, 'the cut instance said degraded')
  t.ok(refused.length > 0, `publishes on the cut instance were refused (${refused.length})`)
  const refusedAfterReturn = refused.filter((s) => s > seq - 5_000 / INTERVAL_MS / 2)
  t.comment(`outage ${OUTAGE_MS} ms: ${acknowledged.length} publishes acknowledged, ${refused.length} refused (slowest refusal ${slowestRefusalMs} ms); refused in the last 2.5 s: ${refusedAfterReturn.length}`)
  const health = (await (await fetch(`http://127.0.0.1:${B.port}/health`)).json()) as { status: string }
  t.equal(health.status, 'ok', 'healthy again without a restart')

  const deadline = Date.now() + 20_000
  while (readers.some((r) => r.seqs.length < acknowledged.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  const want = [...acknowledged].sort((x, y) => x - y)
  for (const [i, r] of readers.entries()) {
    t.same([...r.seqs].sort((x, y) => x - y), want, `${i ? 'B' : 'A'}'s client: every acknowledged event once, no refused one`)
    t.same(r.seqs, [...r.seqs].sort((x, y) => x - y), 'in order')
    t.equal(r.drops, 0, 'never disconnected')
  }
})

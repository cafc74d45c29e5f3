/**
 * 2,000 clients on one instance (loopback only, bounded); the instance is
 * SIGKILLed and every client reconnects at once through the balancer to the
 * other one, re-authenticates and re-subscribes with recovery. The time it
 * takes is reported (t.comment), not asserted: it depends on the machine.
 */
import { SwitchboardClient } from '@switchboard/shared/client'
import { createSigner } from 'fast-jwt'
import t from 'tap'
import { balancer } from '../helpers/balancer.ts'
import { spawnServer } from '../helpers/processes.ts'
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/redis.ts'
import { TEST_SECRET } from '../helpers/server.ts'

const sign = createSigner({ key: TEST_SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })
const CLIENTS = 2_000
const BATCH = 100

t.test(`${CLIENTS} clients reconnecting at once: all back and resubscribed`, async (t) => {
  const prefix = testPrefix('storm')
  t.teardown(() => deletePrefix(prefix))
  const env = { REDIS_URL, REDIS_PREFIX: prefix, HISTORY_CHANNELS: 'stream=1000:600', CLUSTER_HEARTBEAT_MS: '500', CLUSTER_LEASE_MS: '2000' }
  const A = await spawnServer(t, { ...env, INSTANCE_ID: 'A' })
  const B = await spawnServer(t, { ...env, INSTANCE_ID: 'B' })
  const lb = await balancer([A.port, B.port], 'first-alive')
  t.teardown(() => lb.close())

  const clients: SwitchboardClient[] = []
  const back = new Set<SwitchboardClient>()
  const received = new Set<SwitchboardClient>()
  let killedAt = 0
  let lastBack = 0
  t.teardown(() => {
    for (const c of clients) c.close()
  })
  for (let i = 0; i < CLIENTS; i += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, CLIENTS - i) }, async (_, k) => {
        const client = new SwitchboardClient({
          url: `ws://127.0.0.1:${lb.port}`,
          token: sign({ sub: `storm-${i + k}`, tenant: 'acme', roles: ['user'] }),
          mode: 'query',
          backoff: { initialDelayMs: 50, maxDelayMs: 2_000, randomizationFactor: 1, maxAttempts: Infinity },
          connectTimeoutMs: 60_000,
          requestTimeoutMs: 60_000,
        })
        clients.push(client)
        client.events.on('recovery', (entry) => {
          if (killedAt === 0 || !entry.recovered) return
          back.add(client)
          lastBack = Date.now()
        })
        client.on('dashboard_event', (data) => {
          if (data.reason === 'after-storm') received.add(client)
        })
        await client.connect()
        await client.subscribe(['stream'])
      }),
    )
  }
  t.equal(lb.accepted.get(A.port), CLIENTS, 'every client on A at first')

  killedAt = Date.now()
  A.child.kill('SIGKILL')
  const deadline = Date.now() + 90_000
  while (back.size < CLIENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  t.equal(back.size, CLIENTS, 'every client reconnected and re-subscribed with recovered:true')
  t.comment(`${CLIENTS} clients reconnected to the survivor and re-subscribed ${lastBack - killedAt} ms after the SIGKILL`)

  const service = sign({ sub: 'svc', tenant: 'acme', roles: ['service'] })
  const res = await fetch(`http://127.0.0.1:${B.port}/api/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
    body: JSON.stringify({ type: 'dashboard_event', tenant: 'acme', channel: 'stream', data: { reason: 'after-storm' } }),
  })
  t.equal(res.status, 200)
  const until = Date.now() + 30_000
  while (received.size < CLIENTS && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
  t.equal(received.size, CLIENTS, 'and every one of them receives the next message')
})

import t from 'tap'
import { startCluster, publish } from '../helpers/cluster.ts'
import type { TestServer } from '../helpers/server.ts'
import { TestClient } from '../helpers/ws-client.ts'

type Frame = Record<string, unknown> & { type: string }

const connect = (node: TestServer, claims: Record<string, unknown>) => TestClient.connect(node.http, node.token(claims))

/** Every push of `type` with `data.n === n` the client has received (queued, not yet taken). */
const got = (c: TestClient, n: number) => c.pending((f: Frame) => f.type === 'dashboard_event' && (f.data as { reason?: string })?.reason === `n${n}`)

t.test('every routing target reaches its recipients on both instances exactly once, and nobody else', async (t) => {
  const { nodes } = await startCluster(t, 'routing', 2)
  const [a, b] = nodes as [TestServer, TestServer]
  const service = a.token({ sub: 'backend', tenant: 'acme', roles: ['service'] })
  const root = a.token({ sub: 'root', tenant: 'ops', roles: ['admin'] })

  // the same people on both instances
  const people: Record<string, TestClient[]> = {}
  for (const [name, claims] of Object.entries({
    alice: { sub: 'alice', tenant: 'acme', roles: ['user'] },
    bob: { sub: 'bob', tenant: 'acme', roles: ['manager'] },
    carol: { sub: 'carol', tenant: 'other', roles: ['manager'] },
    root: { sub: 'root', tenant: 'ops', roles: ['admin'] },
    boss: { sub: 'boss', tenant: 'acme', roles: ['tenant-admin'] },
  })) {
    people[name] = [await connect(a, claims), await connect(b, claims)]
  }
  for (const c of [...people.alice!, ...people.carol!]) {
    const r = await c.request({ type: 'subscribe', channels: ['orders'] })
    t.same(r.channels, ['orders'])
  }
  for (const c of [...people.root!, ...people.boss!]) await c.request({ type: 'subscribe', channels: ['admin-dashboard'] })
  const everyone = Object.values(people).flat()

  const send = async (n: number, target: Record<string, unknown>, token = service, from = a) => {
    const res = await publish(from, token, { type: 'dashboard_event', data: { reason: `n${n}` }, tenant: 'acme', ...target })
    t.equal(res.status, 200, `publish n${n}: ${JSON.stringify(res.body)}`)
  }
  await send(1, {}) // tenant acme
  await send(2, { user: 'alice' })
  await send(3, { role: 'manager' })
  await send(4, { channel: 'orders' })
  await send(5, { channel: 'admin-dashboard' }, root, b) // system channel, published on the other instance
  await send(6, { tenant: 'other' }, root)
  // the end marker: one topic per instance connection keeps publish order, so it arrives last
  const res = await fetch(`${b.http}/ws/_test/broadcast`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'end' }) })
  t.equal(res.status, 200)
  for (const c of everyone) await c.next((f) => f.type === 'notification' && (f.data as { title?: string }).title === 'end')

  const expect: Record<number, string[]> = {
    1: ['alice', 'bob', 'boss'],
    2: ['alice'],
    3: ['bob'],
    4: ['alice'],
    5: ['root', 'boss'],
    6: ['carol'],
  }
  for (const [n, who] of Object.entries(expect)) {
    for (const [name, clients] of Object.entries(people)) {
      const counts = clients.map((c) => got(c, Number(n)).length)
      t.same(counts, who.includes(name) ? [1, 1] : [0, 0], `n${n} -> ${name} on [a, b]`)
    }
  }
  for (const c of everyone) c.close()
})

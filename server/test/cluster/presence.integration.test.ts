import t from 'tap'
import { startCluster } from '../helpers/cluster.ts'
import type { TestServer } from '../helpers/server.ts'
import { TestClient } from '../helpers/ws-client.ts'

type Frame = Record<string, unknown> & { type: string }
const ENV = { PRESENCE_CHANNELS: 'chat:*', CLUSTER_HEARTBEAT_MS: '100', CLUSTER_LEASE_MS: '400' }
const presenceOf = (user: string, kind: 'join' | 'leave') => (f: Frame) => f.type === `presence:${kind}` && (f.data as { user: string }).user === user
const who = (node: TestServer, sub: string) => TestClient.connect(node.http, node.token({ sub, tenant: 'acme', roles: ['user'] }))

t.test('presence is cluster-wide: who is in a channel, join/leave pushes once per user, online counts', async (t) => {
  const { nodes } = await startCluster(t, 'presence', 2, ENV)
  const [a, b] = nodes as [TestServer, TestServer]
  const alice = await who(a, 'alice')
  t.match(await alice.request({ type: 'subscribe', channels: ['chat:1'] }), { channels: ['chat:1'] })
  t.ok(await alice.next(presenceOf('alice', 'join')), 'a subscriber sees its own join')

  const bob1 = await who(b, 'bob')
  await bob1.request({ type: 'subscribe', channels: ['chat:1'] })
  t.same((await alice.next(presenceOf('bob', 'join'))).channel, 'chat:1', 'a join on the other instance reaches alice')
  const bob2 = await who(a, 'bob')
  await bob2.request({ type: 'subscribe', channels: ['chat:1'] })
  // a filters-only re-subscribe is not a second connection
  await bob2.request({ type: 'subscribe', channels: ['chat:1'], filters: { reason: ['x'] } })

  const seen = await alice.request({ type: 'presence:get', channel: 'chat:1', users: ['bob', 'carol'] })
  ;(seen.users as Array<{ user: string }>).sort((x, y) => x.user.localeCompare(y.user))
  t.same(seen, {
    type: 'presence',
    id: seen.id,
    channel: 'chat:1',
    connections: 3,
    users: [
      { user: 'alice', connections: 1 },
      { user: 'bob', connections: 2 },
    ],
    online: { bob: 2, carol: 0 },
  })

  bob1.close()
  await bob1.closed
  // the server learns of the close after the client does, then records it in Redis: read until it shows (bounded)
  let afterOne: Frame = await alice.request({ type: 'presence:get', channel: 'chat:1' })
  for (let i = 0; i < 40 && afterOne.connections !== 2; i++) {
    await new Promise((r) => setTimeout(r, 25))
    afterOne = await alice.request({ type: 'presence:get', channel: 'chat:1' })
  }
  t.same(afterOne.connections, 2, 'one of bob\'s connections left')
  bob2.request({ type: 'unsubscribe', channels: ['chat:1'] })
  const leave = await alice.next(presenceOf('bob', 'leave'))
  t.equal(leave.channel, 'chat:1')
  t.same(alice.pending(presenceOf('bob', 'join')), [], 'bob joined once for alice, whatever his connections')
  t.same(alice.pending(presenceOf('bob', 'leave')), [], 'and left once')

  const carol = await who(b, 'carol')
  t.match(await carol.request({ type: 'presence:get', users: ['carol', 'bob'] }), { online: { carol: 1, bob: 1 } }, 'per-user online status from any instance')
  t.match(await carol.request({ type: 'presence:get', channel: 'lobby' }), { type: 'error', code: 'PRESENCE_DISABLED' })
  t.match(await carol.request({ type: 'presence:get', channel: 'logs' }), { type: 'error', code: 'FORBIDDEN_CHANNEL' }, 'only what one may subscribe to')

  const service = a.token({ sub: 'svc', tenant: 'acme', roles: ['service'] })
  const http = await fetch(`${b.http}/api/presence/acme/channels/chat:1`, { headers: { authorization: `Bearer ${service}` } })
  t.same(await http.json(), { tenant: 'acme', channel: 'chat:1', connections: 1, users: [{ user: 'alice', connections: 1 }] })
  const online = await fetch(`${a.http}/api/presence/acme/users?users=alice,bob,zed`, { headers: { authorization: `Bearer ${service}` } })
  t.same(await online.json(), { tenant: 'acme', online: { alice: 1, bob: 1, zed: 0 } })
  const other = await fetch(`${a.http}/api/presence/beta/users?users=alice`, { headers: { authorization: `Bearer ${service}` } })
  t.equal(other.status, 403, 'another tenant is refused')
  for (const c of [alice, bob2, carol]) c.close()
})

t.test('channels without presence get no presence pushes', async (t) => {
  const { nodes } = await startCluster(t, 'nopresence', 1, ENV)
  const a = nodes[0]!
  const x = await who(a, 'x')
  await x.request({ type: 'subscribe', channels: ['orders'] })
  const y = await who(a, 'y')
  await y.request({ type: 'subscribe', channels: ['orders'] })
  await x.request({ type: 'ping' })
  t.same(x.pending((f) => f.type.startsWith('presence:')), [])
  x.close()
  y.close()
})

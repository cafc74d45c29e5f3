/** Without REDIS_URL the cluster services run for one instance in memory, with the same API. */
import { CLOSE_CODES } from '@switchboard/shared'
import t from 'tap'
import { startServer } from '../helpers/server.ts'
import { TestClient } from '../helpers/ws-client.ts'

t.test('presence, cluster view, live connections and disconnects on a single instance', async (t) => {
  const s = await startServer(t, { PRESENCE_CHANNELS: 'chat:*' })
  const alice = await TestClient.connect(s.http, s.token({ sub: 'alice', tenant: 'acme', roles: ['user'] }))
  const bob = await TestClient.connect(s.http, s.token({ sub: 'bob', tenant: 'acme', roles: ['user'] }))
  await alice.request({ type: 'subscribe', channels: ['chat:1'] })
  await bob.request({ type: 'subscribe', channels: ['chat:1'] })
  t.same((await alice.next((f) => f.type === 'presence:join' && (f.data as { user: string }).user === 'bob')).channel, 'chat:1')
  const reply = await bob.request({ type: 'presence:get', channel: 'chat:1', users: ['alice', 'nobody'] })
  t.same((reply.users as Array<{ user: string }>).map((u) => u.user).sort(), ['alice', 'bob'])
  t.same(reply.online, { alice: 1, nobody: 0 })
  bob.send({ type: 'presence:get', channel: 'chat:1' }) // `id` is optional
  t.same((await bob.next((f) => f.type === 'presence')).connections, 2, 'answered without an id')
  t.match(await bob.request({ type: 'presence:get' }), { type: 'error', code: 'INVALID_FRAME' }, 'neither a channel nor users: refused')

  const admin = s.token({ sub: 'root', tenant: 'ops', roles: ['admin'] })
  const stats = (await (await fetch(`${s.http}/ws/stats`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { stats: { cluster: Record<string, unknown> } }
  t.match(stats.stats.cluster, { source: 'local', instance_count: 1, total_connections: 2, unique_users: 2, connections_by_tenant: { acme: 2 } })
  const live = (await (await fetch(`${s.http}/api/cluster/connections?user=bob`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { items: Array<{ user: string; subscriptions: string[] }>; total: number }
  t.match(live, { total: 1, items: [{ user: 'bob', subscriptions: ['chat:1'] }] })

  const res = await fetch(`${s.http}/api/websocket/users/acme/bob/disconnect`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } })
  t.match(await res.json(), { success: true, data: { connections: 1, code: 4005 } })
  t.same(await bob.closed, { code: CLOSE_CODES.REVOKED, reason: 'access revoked' })
  t.same((await alice.next((f) => f.type === 'presence:leave')).data, { user: 'bob' }, 'closing counts as leaving')
  alice.close()
})

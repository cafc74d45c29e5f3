import t from 'tap'
import { RawClient } from '../../helpers/raw-client.ts'
import { startServer } from '../../helpers/server.ts'

t.test('/ws/stats has reference 002 shape with live figures', async (t) => {
  const s = await startServer(t)
  const a = await RawClient.authed(s.ws, s.token({ sub: 'u1', tenant: 'a', roles: ['LEVEL_1'] }))
  const b = await RawClient.authed(s.ws, s.token({ sub: 'u1', tenant: 'a', roles: ['LEVEL_1'] }))
  const c = await RawClient.authed(s.ws, s.token({ sub: 'u2', tenant: 'b', roles: ['admin'] }))
  const pending = await RawClient.open(`${s.ws}/ws`)
  await pending.next('welcome')
  const res = await fetch(`${s.http}/ws/stats`)
  t.equal(res.status, 200)
  const body = (await res.json()) as any
  t.match(body, {
    status: 'ok',
    stats: {
      total_connections: 4,
      connections_by_role: { LEVEL_1: 2, admin: 1 },
      unique_users: 2,
      heartbeat_active: true,
      heartbeat_interval: 30,
      metrics: { total_messages_sent: 0, total_broadcasts: 0, total_send_errors: 0, last_broadcast_at: null },
      unauthenticated_connections: 1,
    },
  })
  t.ok(Date.parse(body.timestamp))
  t.notOk('connections_by_tenant' in body.stats, 'tenant names only for admins')
  const asAdmin = (await (await fetch(`${s.http}/ws/stats`, { headers: { authorization: `Bearer ${s.token({ sub: 'root', tenant: 'x', roles: ['admin'] })}` } })).json()) as any
  t.same(asAdmin.stats.connections_by_tenant, { a: 2, b: 1 })
  for (const x of [a, b, c, pending]) x.close()
})

t.test('_test/broadcast sends a notification to every authenticated connection and updates metrics', async (t) => {
  const s = await startServer(t)
  const a = await RawClient.authed(s.ws, s.token({ sub: 'u1', tenant: 'a' }))
  const b = await RawClient.authed(s.ws, s.token({ sub: 'u2', tenant: 'b' }))
  const anon = await RawClient.open(`${s.ws}/ws`)
  await anon.next('welcome')
  const res = await fetch(`${s.http}/ws/_test/broadcast`, { method: 'POST' })
  t.equal(res.status, 200)
  const body = (await res.json()) as any
  t.match(body, { status: 'ok', sent: 2, metrics: { total_messages_sent: 2, total_broadcasts: 1, total_send_errors: 0 } })
  t.ok(Date.parse(body.metrics.last_broadcast_at))
  t.match(await a.next('notification'), { data: { title: 'BroadcastTest', content: 'Mensaje de prueba', level: 'info' } })
  t.match(await b.next('notification'), { type: 'notification' })
  const custom = await fetch(`${s.http}/ws/_test/broadcast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Hola', content: 'c', level: 'warning' }),
  })
  t.match(await custom.json(), { sent: 2, metrics: { total_messages_sent: 4, total_broadcasts: 2 } })
  t.match(await a.next((f) => f.type === 'notification' && f.data.title === 'Hola'), { data: { level: 'warning' } })
  t.equal(anon.all('notification').length, 0, 'unauthenticated sockets get nothing')
  const bad = await fetch(`${s.http}/ws/_test/broadcast`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"level":"loud"}' })
  t.equal(bad.status, 400)
  for (const x of [a, b, anon]) x.close()
})

t.test('_test/broadcast is forbidden in production and sends nothing', async (t) => {
  const s = await startServer(t, { NODE_ENV: 'production', ALLOWED_ORIGINS: 'https://app.example' })
  const a = await RawClient.authed(s.ws, s.token({ sub: 'u1', tenant: 'a' }))
  const res = await fetch(`${s.http}/ws/_test/broadcast`, { method: 'POST' })
  t.equal(res.status, 403)
  t.same(await res.json(), { status: 'forbidden' })
  t.equal(s.app.hub.stats.totalBroadcasts, 0)
  t.equal(a.all('notification').length, 0)
  a.close()
})

t.test('/metrics exposes Prometheus counters and /health answers', async (t) => {
  const s = await startServer(t)
  const a = await RawClient.authed(s.ws, s.token({ sub: 'u1', tenant: 'a' }))
  await fetch(`${s.http}/ws/_test/broadcast`, { method: 'POST' })
  await a.next('notification')
  a.send('garbage')
  await a.next('error')
  const text = await (await fetch(`${s.http}/metrics`)).text()
  t.match(text, /switchboard_ws_connections\{state="authenticated"\} 1/)
  t.match(text, /switchboard_ws_messages_out_total\{type="notification"\} 1/)
  t.match(text, /switchboard_ws_messages_in_total\{type="auth"\} 1/)
  t.match(text, /switchboard_ws_errors_total\{code="MALFORMED_JSON"\} 1/)
  const observed = Number(/switchboard_publish_to_send_seconds_count (\d+)/.exec(text)?.[1])
  t.ok(observed >= 1, `latency observed for ${observed} events`)
  t.match(await (await fetch(`${s.http}/health`)).json(), { status: 'ok', bus: 'memory' })
  a.close()
})

import t from 'tap'
import { type Frame, RawClient, sleep } from '../helpers/raw-client.ts'
import { publish, startServer } from '../helpers/server.ts'

const svc = (tenant: string) => ({ sub: `svc-${tenant}`, tenant, roles: ['service'] })

t.test('a tenant event reaches every connection of that tenant and none of another', async (t) => {
  const s = await startServer(t)
  const a1 = await RawClient.authed(s.ws, s.token({ sub: 'a1', tenant: 'clinic-1' }))
  const a2 = await RawClient.authed(s.ws, s.token({ sub: 'a2', tenant: 'clinic-1' }))
  const b1 = await RawClient.authed(s.ws, s.token({ sub: 'b1', tenant: 'clinic-2' }))
  const res = await publish(s, s.token(svc('clinic-1')), { type: 'system_event', tenant: 'clinic-1', data: { level: 'info', message: 'hello' } })
  t.equal(res.status, 200)
  for (const c of [a1, a2]) {
    const push = await c.next('system_event')
    t.match(push, { id: res.body.id, ts: res.body.ts, data: { level: 'info', message: 'hello' } })
    t.notOk('channel' in push, 'room pushes carry no channel')
  }
  // a later event for clinic-2 is the first b1 sees: nothing of clinic-1 came before it
  await publish(s, s.token(svc('clinic-2')), { type: 'system_event', tenant: 'clinic-2', data: { level: 'info', message: 'mine' } })
  t.equal((await b1.next('system_event')).data.message, 'mine')
  t.equal(b1.all('system_event').length, 1)
  for (const c of [a1, a2, b1]) c.close()
})

t.test('user and role targets reach only their room within the tenant', async (t) => {
  const s = await startServer(t)
  const officer = await RawClient.authed(s.ws, s.token({ sub: 'o1', tenant: 'ops', role: 'LEVEL_1' }))
  const chief = await RawClient.authed(s.ws, s.token({ sub: 'c1', tenant: 'ops', roles: ['LEVEL_3'] }))
  const otherTenantOfficer = await RawClient.authed(s.ws, s.token({ sub: 'o1', tenant: 'ops-2', role: 'LEVEL_1' }))
  const tok = s.token(svc('ops'))
  await publish(s, tok, { type: 'task_event', tenant: 'ops', role: 'LEVEL_1', data: { action: 'assigned', taskId: 1 } })
  await publish(s, tok, { type: 'task_event', tenant: 'ops', user: 'c1', data: { action: 'created', taskId: 2 } })
  t.equal((await officer.next('task_event')).data.taskId, 1)
  t.equal((await chief.next('task_event')).data.taskId, 2)
  await sleep(50)
  t.equal(officer.all('task_event').length, 1)
  t.equal(chief.all('task_event').length, 1)
  t.equal(otherTenantOfficer.all('task_event').length, 0, 'same user id and role in another tenant get nothing')
  for (const c of [officer, chief, otherTenantOfficer]) c.close()
})

t.test('named channels need a subscribe; the ack lists what was granted; unsubscribe stops delivery', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.authed(s.ws, s.token({ sub: 'u', tenant: 'shop' }))
  const other = await RawClient.authed(s.ws, s.token({ sub: 'u', tenant: 'shop-2' }))
  const tok = s.token(svc('shop'))
  const sale = { saleId: 'S-1', total: 12.5 }
  await publish(s, tok, { type: 'SALE_CREATED', tenant: 'shop', channel: 'sales', data: sale })
  t.match(await c.request({ type: 'subscribe', channels: ['sales', 'sales'] }, 's1'), { type: 'subscribed', id: 's1', channels: ['sales'], denied: [] })
  t.match(await other.request({ type: 'subscribe', channels: ['sales'] }), { channels: ['sales'] })
  await publish(s, tok, { type: 'SALE_CREATED', tenant: 'shop', channel: 'sales', data: { ...sale, saleId: 'S-2' } })
  const push = await c.next('SALE_CREATED')
  t.match(push, { channel: 'sales', data: { saleId: 'S-2' } })
  t.equal(c.all('SALE_CREATED').length, 1, 'the event before subscribing was not delivered')
  t.match(await c.request({ type: 'unsubscribe', channels: ['sales', 'never'] }), { type: 'unsubscribed', channels: ['sales'] })
  await publish(s, tok, { type: 'SALE_CREATED', tenant: 'shop', channel: 'sales', data: { ...sale, saleId: 'S-3' } })
  await sleep(50)
  t.equal(c.all('SALE_CREATED').length, 1)
  t.equal(other.all('SALE_CREATED').length, 0, 'same channel name in another tenant is another channel')
  c.close()
  other.close()
})

t.test('restricted channels need an operator role; a global admin sees every tenant, a tenant admin its own', async (t) => {
  const s = await startServer(t)
  const staff = await RawClient.authed(s.ws, s.token({ sub: 'st', tenant: 't1', roles: ['staff'] }))
  // a name of one of Object.prototype's members is an ordinary channel, not a restricted one
  const denied = await staff.request({ type: 'subscribe', channels: ['logs', 'dlq', 'admin-dashboard', 'open', 'constructor'] })
  t.same(denied.channels, ['open', 'constructor'])
  t.same(denied.denied.map((d: { channel: string; code: string }) => [d.channel, d.code]), [
    ['logs', 'FORBIDDEN_CHANNEL'],
    ['dlq', 'FORBIDDEN_CHANNEL'],
    ['admin-dashboard', 'FORBIDDEN_CHANNEL'],
  ])
  const admin = await RawClient.authed(s.ws, s.token({ sub: 'root', tenant: 'ops', roles: ['admin'] }))
  const tenantAdmin = await RawClient.authed(s.ws, s.token({ sub: 'ta', tenant: 't1', roles: ['tenant-admin'] }))
  const otherTenantAdmin = await RawClient.authed(s.ws, s.token({ sub: 'tb', tenant: 't2', roles: ['tenant-admin'] }))
  for (const c of [admin, tenantAdmin, otherTenantAdmin]) t.same((await c.request({ type: 'subscribe', channels: ['dlq'] })).channels, ['dlq'])
  const stats = { stats: { total: 3, pending: 1, retrying: 1, resolved: 1, failed: 0 }, timestamp: new Date().toISOString() }
  await publish(s, s.token(svc('t1')), { type: 'dlq:stats:updated', tenant: 't1', channel: 'dlq', data: stats })
  t.match(await admin.next('dlq:stats:updated'), { channel: 'dlq', data: stats })
  t.match(await tenantAdmin.next('dlq:stats:updated'), { channel: 'dlq' })
  await sleep(50)
  t.equal(otherTenantAdmin.all('dlq:stats:updated').length, 0)
  t.equal(staff.all('dlq:stats:updated').length, 0)
  for (const c of [staff, admin, tenantAdmin, otherTenantAdmin]) c.close()
})

t.test('subscription filters deliver only events whose data fields match', async (t) => {
  const s = await startServer(t)
  const admin = await RawClient.authed(s.ws, s.token({ sub: 'root', tenant: 'bk', roles: ['admin'] }))
  await admin.request({ type: 'subscribe', channels: ['logs'], filters: { level: ['error'], service: ['api-gateway'] } })
  const tok = s.token(svc('bk'))
  const entry = (level: string, service: string, message: string) => ({ timestamp: new Date().toISOString(), level, service, message })
  await publish(s, tok, { type: 'log:entry', tenant: 'bk', channel: 'logs', data: entry('info', 'api-gateway', 'skip-1') })
  await publish(s, tok, { type: 'log:error', tenant: 'bk', channel: 'logs', data: entry('error', 'billing', 'skip-2') })
  await publish(s, tok, { type: 'log:error', tenant: 'bk', channel: 'logs', data: entry('error', 'api-gateway', 'keep') })
  t.equal((await admin.next('log:error')).data.message, 'keep')
  t.equal(admin.frames.filter((f) => f.type.startsWith('log:')).length, 1)
  admin.close()
})

t.test('the subscription limit denies channels past MAX_SUBSCRIPTIONS_PER_CONNECTION', async (t) => {
  const s = await startServer(t, { MAX_SUBSCRIPTIONS_PER_CONNECTION: '2' })
  const c = await RawClient.authed(s.ws, s.token({ sub: 'u', tenant: 'x' }))
  const r = await c.request({ type: 'subscribe', channels: ['a', 'b', 'c'] })
  t.same(r.channels, ['a', 'b'])
  t.match(r.denied, [{ channel: 'c', code: 'TOO_MANY_CHANNELS' }])
  c.close()
})

t.test('a repeated channel counts once, in the order first given; replies keep the order of requests', async (t) => {
  const s = await startServer(t, { MAX_SUBSCRIPTIONS_PER_CONNECTION: '2' })
  const c = await RawClient.authed(s.ws, s.token({ sub: 'u', tenant: 'x' }))
  // three distinct channels against a limit of two: repeats must not use up the limit, nor be denied
  c.send(JSON.stringify({ type: 'subscribe', id: 'r1', channels: ['b', 'a', 'b', 'b', 'a', 'c'] }))
  c.send(JSON.stringify({ type: 'ping', id: 'r2' }))
  c.send(JSON.stringify({ type: 'unsubscribe', id: 'r3', channels: ['a'] }))
  await c.next((f) => f.id === 'r3')
  const replies = c.frames.filter((f) => typeof f.id === 'string' && f.id.startsWith('r'))
  t.same(replies.map((f) => f.type), ['subscribed', 'pong', 'unsubscribed'])
  t.same(replies.map((f) => f.id), ['r1', 'r2', 'r3'])
  const [subscribed, , unsubscribed] = replies as [Frame, Frame, Frame]
  t.same(subscribed.channels, ['b', 'a'])
  t.same(subscribed.denied.map((d: { channel: string }) => d.channel), ['c'])
  t.same(unsubscribed.channels, ['a'])
  c.close()
})

t.test('a request answered asynchronously (a channel with history) keeps its place: later requests are answered after it', async (t) => {
  const s = await startServer(t, { HISTORY_CHANNELS: 'feed=100:300' })
  const c = await RawClient.authed(s.ws, s.token({ sub: 'u', tenant: 'x' }))
  // the subscribe reads the channel's history before it answers; the ping and the unsubscribe come in meanwhile
  c.send(JSON.stringify({ type: 'subscribe', id: 'q1', channels: ['feed'] }))
  c.send(JSON.stringify({ type: 'ping', id: 'q2' }))
  c.send(JSON.stringify({ type: 'subscribe', id: 'q3', channels: ['other'] }))
  c.send(JSON.stringify({ type: 'ping', id: 'q4' }))
  await c.next((f) => f.id === 'q4')
  const replies = c.frames.filter((f) => typeof f.id === 'string' && f.id.startsWith('q'))
  t.same(replies.map((f) => `${f.id} ${f.type}`), ['q1 subscribed', 'q2 pong', 'q3 subscribed', 'q4 pong'])
  c.close()
})

t.test('a refreshed token keeps the connection; a different user is IDENTITY_MISMATCH', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.authed(s.ws, s.token({ sub: 'u', tenant: 'x', roles: ['staff'] }, 60))
  const refreshed = await c.request({ type: 'auth', token: s.token({ sub: 'u', tenant: 'x', roles: ['staff'] }, 7200) })
  t.equal(refreshed.type, 'auth_success')
  t.ok(Date.parse(refreshed.expiresAt) > Date.now() + 3600_000)
  t.match(await c.request({ type: 'auth', token: s.token({ sub: 'mallory', tenant: 'x' }) }), { type: 'error', code: 'IDENTITY_MISMATCH' })
  t.match(await c.request({ type: 'auth', token: 'garbage' }), { type: 'auth_error', code: 'AUTH_FAILED' })
  t.match(await c.request({ type: 'ping' }), { type: 'pong' }, 'a failed refresh leaves the connection as it was')
  c.close()
})

t.test('a refresh that drops the operator role drops restricted channels too', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.authed(s.ws, s.token({ sub: 'u', tenant: 'x', roles: ['tenant-admin'] }))
  await c.request({ type: 'subscribe', channels: ['logs', 'orders'] })
  await c.request({ type: 'auth', token: s.token({ sub: 'u', tenant: 'x', roles: ['staff'] }) })
  const conn = [...s.app.hub.connections.values()][0]!
  t.same([...conn.subscriptions], ['orders'])
  t.same(s.app.hub.countsByRole(), { staff: 1 })
  c.close()
})

t.test('operators see connection-status on admin-dashboard as a tenant\'s clients come and go', async (t) => {
  const s = await startServer(t)
  const ops = await RawClient.authed(s.ws, s.token({ sub: 'ta', tenant: 'clinic', roles: ['tenant-admin'] }))
  const other = await RawClient.authed(s.ws, s.token({ sub: 'tb', tenant: 'clinic-2', roles: ['tenant-admin'] }))
  await ops.request({ type: 'subscribe', channels: ['admin-dashboard'] })
  await other.request({ type: 'subscribe', channels: ['admin-dashboard'] })
  const c = await RawClient.authed(s.ws, s.token({ sub: 'nurse', tenant: 'clinic' }))
  const id = s.app.hub.connections.size && [...s.app.hub.connections.values()].find((x) => x.user === 'nurse')!.id
  t.match(await ops.next('connection-status'), { channel: 'admin-dashboard', data: { connected: true, connectionId: id, user: 'nurse', tenant: 'clinic' } })
  c.close()
  t.match(await ops.next('connection-status'), { data: { connected: false, connectionId: id, code: 1005 } })
  await sleep(50)
  t.equal(other.all('connection-status').length, 0, 'another tenant\'s operators are not told')
  ops.close()
  other.close()
})

import t from 'tap'
import { RawClient } from '../../helpers/raw-client.ts'
import { MemoryBus } from '../../../src/bus/memory-bus.ts'
import { publish, startServer } from '../../helpers/server.ts'

t.test('publish needs a bearer token with service, tenant admin or admin role', async (t) => {
  const s = await startServer(t)
  const body = { type: 'system_event', tenant: 'a', data: { level: 'info', message: 'x' } }
  const anon = await fetch(`${s.http}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  t.equal(anon.status, 401)
  t.match(await anon.json(), { code: 'NOT_AUTHENTICATED' })
  t.match(await publish(s, 'garbage', body), { status: 401, body: { code: 'AUTH_FAILED' } })
  t.match(await publish(s, s.token({ sub: 'u', tenant: 'a', roles: ['staff'] }), body), { status: 403, body: { code: 'FORBIDDEN' } })
  t.equal((await publish(s, s.token({ sub: 'u', tenant: 'a', roles: ['service'] }), body)).status, 200)
  t.equal((await publish(s, s.token({ sub: 'u', tenant: 'a', roles: ['tenant-admin'] }), body)).status, 200)
})

t.test('only admin may publish to another tenant', async (t) => {
  const s = await startServer(t)
  const body = { type: 'system_event', tenant: 'b', data: { level: 'info', message: 'x' } }
  t.match(await publish(s, s.token({ sub: 'svc', tenant: 'a', roles: ['service'] }), body), { status: 403, body: { code: 'FORBIDDEN' } })
  t.match(await publish(s, s.token({ sub: 'svc', tenant: 'a', roles: ['tenant-admin'] }), body), { status: 403 })
  const ok = await publish(s, s.token({ sub: 'root', tenant: 'ops', roles: ['admin'] }), body)
  t.match(ok, { status: 200, body: { tenant: 'b', target: 'tenant:b', type: 'system_event' } })
})

t.test('a publish carrying a NUL is delivered as sent (other routes refuse a body the database cannot store)', async (t) => {
  const s = await startServer(t)
  const svc = s.token({ sub: 'svc', tenant: 'a', roles: ['service'] })
  const c = await RawClient.authed(s.ws, s.token({ sub: 'u', tenant: 'a', roles: ['staff'] }))
  const body = { type: 'system_event', tenant: 'a', data: { level: 'info', message: 'x\u0000y' } }
  t.equal((await publish(s, svc, body)).status, 200)
  t.equal((await c.next('system_event')).data.message, 'x\u0000y')
  c.close()
})

t.test('a publish naming the reserved tenant "*" is 400, for admin too, and reaches no one', async (t) => {
  const s = await startServer(t)
  const admin = s.token({ sub: 'root', tenant: 'ops', roles: ['admin'] })
  const watcher = await RawClient.authed(s.ws, admin)
  t.match(await watcher.request({ type: 'subscribe', channels: ['admin-dashboard'] }), { type: 'subscribed' })
  const body = { type: 'dashboard_event', tenant: '*', channel: 'admin-dashboard', data: { data: { x: 1 } } }
  for (const [token, own] of [[admin, 'ops'], [s.token({ sub: 'svc', tenant: 'a', roles: ['service'] }), 'a']] as const) {
    t.match(await publish(s, token, body), { status: 400, body: { code: 'INVALID_FRAME', message: /reserved/ } })
    // the batch's first event, to the caller's own tenant, would be valid: it is not sent either
    t.match(await publish(s, token, { events: [{ ...body, tenant: own }, body] }, '/api/publish/batch'), { status: 400, body: { code: 'INVALID_FRAME' } })
  }
  // a marker the ping reply follows proves no push came before it
  t.match(await watcher.request({ type: 'ping' }), { type: 'pong' })
  t.equal(watcher.all('dashboard_event').length, 0, 'no global admin received it')
  watcher.close()
})

t.test('an invalid payload is 400 with the schema errors, and nothing is sent', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.authed(s.ws, s.token({ sub: 'u', tenant: 'a' }))
  const svc = s.token({ sub: 'svc', tenant: 'a', roles: ['service'] })
  const bad = await publish(s, svc, { type: 'task_event', tenant: 'a', data: { action: 'exploded' } })
  t.equal(bad.status, 400)
  t.equal(bad.body.code, 'INVALID_FRAME')
  t.ok(bad.body.details.some((d: { path: string }) => d.path.startsWith('/data')), JSON.stringify(bad.body.details))
  const unknown = await publish(s, svc, { type: 'no_such_event', tenant: 'a', data: {} })
  t.match(unknown, { status: 400, body: { message: /Unknown event type/ } })
  const twoTargets = await publish(s, svc, { type: 'system_event', tenant: 'a', channel: 'x', user: 'u', data: { level: 'info', message: 'x' } })
  t.equal(twoTargets.status, 400)
  const badBody = await publish(s, svc, { type: 'system_event', data: {} })
  t.match(badBody, { status: 400, body: { code: 'INVALID_FRAME' } })
  const ok = await publish(s, svc, { type: 'system_event', tenant: 'a', data: { level: 'info', message: 'after' } })
  t.equal((await c.next('system_event')).id, ok.body.id, 'the first event the client sees is the valid one')
  t.equal(c.all('system_event').length, 1)
  c.close()
})

t.test('malformed, too deep and prototype-polluting bodies are refused with codes', async (t) => {
  const s = await startServer(t)
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${s.token({ sub: 'svc', tenant: 'a', roles: ['service'] })}` }
  const post = (body: string) => fetch(`${s.http}/api/publish`, { method: 'POST', headers, body }).then(async (r) => ({ status: r.status, body: await r.json() }))
  t.match(await post('{"type":'), { status: 400, body: { code: 'MALFORMED_JSON' } })
  const deep = `{"type":"system_event","tenant":"a","data":{"level":"info","message":"x","details":{"d":${'['.repeat(50_000)}${']'.repeat(50_000)}}}}`
  t.match(await post(deep), { status: 400, body: { code: 'TOO_DEEP' } })
  t.match(await post('{"type":"system_event","tenant":"a","data":{"__proto__":{"admin":true}}}'), { status: 400 })
  // in free-form data (dashboard_event's `data` is any record), written plainly, with \u escapes, or as constructor.prototype
  const free = (inner: string) => `{"type":"dashboard_event","tenant":"a","data":{"data":${inner}}}`
  for (const inner of ['{"__proto__":{"admin":true}}', '{"\\u005f_proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}']) {
    t.match(await post(free(inner)), { status: 400, body: { code: 'MALFORMED_JSON' } }, inner)
  }
  // a \u escape or the word constructor in a value is data, not a forbidden key
  t.match(await post(free('{"note":"caf\\u00e9 constructor __proto__"}')), { status: 200 })
  t.equal(({} as Record<string, unknown>).admin, undefined)
  t.match(await post('x'.repeat(300_000)), { status: 413 })
  const health = await fetch(`${s.http}/health`)
  t.equal(health.status, 200, 'the server is still up')
})

t.test('operator event types registered from a JSON Schema file are published and validated', async (t) => {
  const { mkdtempSync, writeFileSync } = await import('node:fs')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const dir = mkdtempSync(join(tmpdir(), 'sb-schemas-'))
  const file = join(dir, 'events.json')
  writeFileSync(file, JSON.stringify({ 'invoice:paid': { type: 'object', required: ['invoiceId'], properties: { invoiceId: { type: 'string' } } } }))
  const s = await startServer(t, { EVENT_SCHEMAS_FILE: file })
  const svc = s.token({ sub: 'svc', tenant: 'a', roles: ['service'] })
  const c = await RawClient.authed(s.ws, s.token({ sub: 'u', tenant: 'a' }))
  t.equal((await publish(s, svc, { type: 'invoice:paid', tenant: 'a', data: {} })).status, 400)
  t.equal((await publish(s, svc, { type: 'invoice:paid', tenant: 'a', data: { invoiceId: 'F-1' } })).status, 200)
  t.match(await c.next('invoice:paid'), { data: { invoiceId: 'F-1' } })
  c.close()

  // GET /api/catalog offers it beside the built-in types, each with its data schema
  const anon = await fetch(`${s.http}/api/catalog`)
  t.equal(anon.status, 401, 'the catalog needs a token')
  const res = await fetch(`${s.http}/api/catalog`, { headers: { authorization: `Bearer ${s.token({ sub: 'u', tenant: 'a' })}` } })
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /application\/json/)
  const { types } = (await res.json()) as { types: Array<{ type: string; builtIn: boolean; schema: { required?: string[] } }> }
  t.match(types.find((e) => e.type === 'invoice:paid'), { builtIn: false, schema: { required: ['invoiceId'] } })
  t.match(types.find((e) => e.type === 'task_event'), { builtIn: true, schema: { type: 'object' } })
  t.equal(types.at(-1)?.type, 'invoice:paid', 'built-in types first')
  t.equal(new Set(types.map((e) => e.type)).size, types.length, 'each type once')
  writeFileSync(file, JSON.stringify({ subscribed: { type: 'object' } }))
  await t.rejects(startServer(t, { EVENT_SCHEMAS_FILE: file }), /reserved frame type/)
})

t.test('a batch publishes its events in order, each answered like a single publish', async (t) => {
  const s = await startServer(t, { HISTORY_CHANNELS: 'orders=100:300' })
  const c = await RawClient.authed(s.ws, s.token({ sub: 'u', tenant: 'a', roles: ['staff'] }))
  await c.request({ type: 'subscribe', channels: ['orders'] })
  const svc = s.token({ sub: 'svc', tenant: 'a', roles: ['service'] })
  const events = [
    { type: 'system_event', tenant: 'a', channel: 'orders', data: { level: 'info', message: 'one' } },
    { type: 'system_event', tenant: 'a', role: 'staff', data: { level: 'info', message: 'two' } },
    { type: 'system_event', tenant: 'a', channel: 'orders', data: { level: 'info', message: 'three' } },
  ]
  const res = await publish(s, svc, { events }, '/api/publish/batch')
  t.equal(res.status, 200)
  t.same(res.body.events.map((e: { target: string }) => e.target), ['channel:a/orders', 'role:a/staff', 'channel:a/orders'])
  t.same(res.body.events.map((e: { offset?: number }) => e.offset), [1, undefined, 2], 'history offsets in batch order')
  const received = [await c.next('system_event'), await c.next('system_event'), await c.next('system_event')]
  t.same(received.map((f) => (f.data as { message: string }).message), ['one', 'two', 'three'])
  t.same(received.map((f) => f.id), res.body.events.map((e: { id: string }) => e.id))
  c.close()
})

t.test('one refused event refuses the whole batch, and nothing is sent', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.authed(s.ws, s.token({ sub: 'u', tenant: 'a' }))
  const svc = s.token({ sub: 'svc', tenant: 'a', roles: ['service'] })
  const good = { type: 'system_event', tenant: 'a', data: { level: 'info', message: 'fine' } }
  const badData = await publish(s, svc, { events: [good, { type: 'task_event', tenant: 'a', data: { action: 'exploded' } }] }, '/api/publish/batch')
  t.match(badData, { status: 400, body: { code: 'INVALID_FRAME' } })
  t.ok(badData.body.details.every((d: { path: string }) => d.path.startsWith('/events/1/data')), JSON.stringify(badData.body.details))
  t.match(await publish(s, svc, { events: [good, { ...good, tenant: 'b' }] }, '/api/publish/batch'), { status: 403, body: { code: 'FORBIDDEN' } }, 'another tenant')
  t.match(await publish(s, svc, { events: [good, { ...good, user: 'u', role: 'x' }] }, '/api/publish/batch'), { status: 400, body: { message: /event 1/ } })
  t.match(await publish(s, svc, { events: [] }, '/api/publish/batch'), { status: 400 }, 'an empty batch')
  t.match(await publish(s, svc, { events: Array.from({ length: 101 }, () => good) }, '/api/publish/batch'), { status: 400 }, 'more than 100')
  t.match(await publish(s, s.token({ sub: 'u', tenant: 'a', roles: ['staff'] }), { events: [good] }, '/api/publish/batch'), { status: 403 }, 'roles that may not publish')
  t.equal((await publish(s, svc, { events: [good] }, '/api/publish/batch')).status, 200)
  const first = await c.next('system_event')
  t.equal((first.data as { message: string }).message, 'fine')
  await new Promise((r) => setTimeout(r, 100))
  t.same(c.frames.filter((f) => f.type === 'system_event' || f.type === 'task_event').length, 1, 'only the accepted batch was delivered')
  c.close()
})

t.test('a batch counts each event against PUBLISH_RATE_PER_TENANT', async (t) => {
  const s = await startServer(t, { PUBLISH_RATE_PER_TENANT: '3' })
  const svc = s.token({ sub: 'svc', tenant: 'a', roles: ['service'] })
  const good = { type: 'system_event', tenant: 'a', data: { level: 'info', message: 'x' } }
  // all within one second: start right after a second begins
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5))
  t.equal((await publish(s, svc, { events: [good, good] }, '/api/publish/batch')).status, 200)
  const over = await publish(s, svc, { events: [good, good] }, '/api/publish/batch')
  t.match(over, { status: 429, body: { code: 'RATE_LIMITED' } }, '2 + 2 > 3')
})

t.test('a bus failure in the middle of a batch says which events were not published', async (t) => {
  // a memory bus that refuses from the third event on, as Redis does when it goes away
  class FailingBus extends MemoryBus {
    published = 0
    override publish(message: Parameters<MemoryBus['publish']>[0]): Promise<void> {
      if (message.kind === 'event' && message.event.type === 'system_event' && ++this.published > 2) return Promise.reject(new Error('connection lost'))
      return super.publish(message)
    }
  }
  const s = await startServer(t, {}, { bus: new FailingBus() })
  const c = await RawClient.authed(s.ws, s.token({ sub: 'u', tenant: 'a' }))
  const svc = s.token({ sub: 'svc', tenant: 'a', roles: ['service'] })
  const events = ['one', 'two', 'three', 'four'].map((message) => ({ type: 'system_event', tenant: 'a', data: { level: 'info', message } }))
  const res = await publish(s, svc, { events }, '/api/publish/batch')
  t.match(res, { status: 503, body: { code: 'UNAVAILABLE', message: /2 of 4 events were published/ } })
  t.same(res.body.details.map((d: { path: string }) => d.path), ['/events/2', '/events/3'], 'the ones to send again')
  const got = [await c.next('system_event'), await c.next('system_event')]
  t.same(got.map((f) => (f.data as { message: string }).message), ['one', 'two'])
  c.close()
})

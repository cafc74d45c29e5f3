import { createHmac } from 'node:crypto'
import Fastify from 'fastify'
import t, { type Test } from 'tap'
import { DEV_JWT_SECRET, loadConfig } from '../../../src/config.ts'
import { adminSessionRoutes, SESSION_COOKIE } from '../../../src/modules/admin-session/routes.ts'
import authPlugin from '../../../src/plugins/auth.ts'

/** An HS256 token with exactly these claims (signToken would replace `exp` with its own). */
function rawToken(claims: Record<string, unknown>, secret = DEV_JWT_SECRET): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`
}

interface Clock {
  now: number
}

async function build(t: Test, env: Record<string, string> = {}, clock?: Clock) {
  const config = loadConfig(env)
  const app = Fastify({ logger: false })
  await app.register(authPlugin, { config })
  await app.register(adminSessionRoutes, { config, ...(clock ? { now: () => clock.now } : {}) })
  await app.ready()
  t.teardown(() => app.close())
  return app
}
type App = Awaited<ReturnType<typeof build>>

function cookieOf(res: { headers: Record<string, unknown> }): { value: string; attributes: string } {
  const header = String(res.headers['set-cookie'] ?? '')
  const [pair = '', ...rest] = header.split('; ')
  return { value: pair.slice(SESSION_COOKIE.length + 1), attributes: rest.join('; ') }
}

async function login(app: App, token: string) {
  return app.inject({ method: 'POST', url: '/api/admin/session', payload: { token } })
}

t.test('an admin token opens a session with an httpOnly SameSite=Strict cookie scoped to /api/admin', async (t) => {
  const app = await build(t)
  const res = await login(app, app.signToken({ sub: 'ops', tenant: 'hq', roles: ['admin'] }))
  t.equal(res.statusCode, 200)
  t.match(res.json(), { principal: { user: 'ops', tenant: 'hq', roles: ['admin'], isAdmin: true, isTenantAdmin: false } })
  const cookie = cookieOf(res)
  t.ok(cookie.value.length > 20, 'a sealed value')
  t.match(cookie.attributes, /HttpOnly/)
  t.match(cookie.attributes, /SameSite=Strict/)
  t.match(cookie.attributes, /Path=\/api\/admin/)
  t.notMatch(cookie.attributes, /Secure/, 'plain http outside production')
  t.notMatch(res.body, /eyJ/, 'no token in the login response')
})

t.test('a tenant admin gets in, for its tenant', async (t) => {
  const app = await build(t)
  const res = await login(app, app.signToken({ sub: 'boss', tenant: 'clinic-1', role: 'tenant-admin' }))
  t.equal(res.statusCode, 200)
  t.match(res.json(), { principal: { tenant: 'clinic-1', isAdmin: false, isTenantAdmin: true } })
})

t.test('a token without an admin role is refused with 403 and no cookie', async (t) => {
  const app = await build(t)
  const res = await login(app, app.signToken({ sub: 'u', tenant: 't', roles: ['user', 'service'] }))
  t.equal(res.statusCode, 403)
  t.equal(res.json().code, 'FORBIDDEN')
  t.equal(res.headers['set-cookie'], undefined)
})

t.test('a bad or expired token is refused with 401', async (t) => {
  const app = await build(t)
  const bad = await login(app, 'not.a.jwt')
  t.equal(bad.statusCode, 401)
  t.equal(bad.json().code, 'AUTH_FAILED')
  const expired = await login(app, rawToken({ sub: 'ops', tenant: 'hq', roles: ['admin'], exp: Math.floor(Date.now() / 1000) - 3600 }))
  t.equal(expired.statusCode, 401)
  t.equal(expired.json().code, 'TOKEN_EXPIRED')
  const missing = await app.inject({ method: 'POST', url: '/api/admin/session', payload: {} })
  t.equal(missing.statusCode, 400)
})

t.test('GET without a cookie says 401 NOT_AUTHENTICATED', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/api/admin/session' })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'NOT_AUTHENTICATED')
})

t.test('GET with the cookie returns the principal and a short-lived token the server accepts', async (t) => {
  const app = await build(t)
  const opened = await login(app, app.signToken({ sub: 'ops', tenant: 'hq', roles: ['admin'] }))
  const res = await app.inject({
    method: 'GET',
    url: '/api/admin/session',
    headers: { cookie: `other=1; ${SESSION_COOKIE}=${cookieOf(opened).value}` },
  })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  const body = res.json()
  t.match(body, { principal: { user: 'ops', tenant: 'hq', isAdmin: true }, testToolsEnabled: true })
  const verified = app.verifyToken(body.token)
  t.ok(verified.ok, 'the handed-out token verifies')
  if (verified.ok) t.match(verified.principal, { user: 'ops', tenant: 'hq', roles: ['admin'], isAdmin: true })
  const ttl = Date.parse(body.tokenExpiresAt) - Date.now()
  t.ok(ttl > 0 && ttl <= 5 * 60_000, `token lives at most 5 minutes (${ttl} ms)`)
  t.ok(cookieOf(res).value.length > 20, 'the session cookie is renewed')
})

t.test('a tampered cookie is refused and cleared', async (t) => {
  const app = await build(t)
  const opened = await login(app, app.signToken({ sub: 'ops', tenant: 'hq', roles: ['admin'] }))
  const value = cookieOf(opened).value
  const tampered = value.slice(0, -2) + (value.endsWith('A') ? 'BB' : 'AA')
  const res = await app.inject({ method: 'GET', url: '/api/admin/session', headers: { cookie: `${SESSION_COOKIE}=${tampered}` } })
  t.equal(res.statusCode, 401)
  t.match(cookieOf(res).attributes, /Max-Age=0/)
})

t.test('a session idle for longer than its lifetime ends; activity renews it up to the token expiry', async (t) => {
  const clock = { now: Date.now() }
  const app = await build(t, {}, clock)
  const tokenExp = Math.floor(clock.now / 1000) + 3 * 3600
  const opened = await login(app, rawToken({ sub: 'ops', tenant: 'hq', roles: ['admin'], exp: tokenExp }))
  let cookie = cookieOf(opened).value
  const get = () => app.inject({ method: 'GET', url: '/api/admin/session', headers: { cookie: `${SESSION_COOKIE}=${cookie}` } })

  clock.now += 50 * 60_000
  const renewed = await get()
  t.equal(renewed.statusCode, 200, 'still alive after 50 minutes')
  cookie = cookieOf(renewed).value
  t.equal(Date.parse(renewed.json().expiresAt), clock.now + 60 * 60_000, 'renewed for an hour')

  clock.now += 2 * 3600_000 + 5 * 60_000
  t.equal((await get()).statusCode, 401, 'past the token expiry the session is over, renewed or not')

  clock.now = Date.now()
  const idle = await login(app, app.signToken({ sub: 'ops', tenant: 'hq', roles: ['admin'] }))
  t.equal(idle.statusCode, 200)
  cookie = cookieOf(idle).value
  clock.now += 59 * 60_000
  t.equal((await get()).statusCode, 200, 'alive after 59 idle minutes')
  clock.now += 61 * 60_000
  t.equal((await get()).statusCode, 401, 'idle for more than an hour')
})

t.test('a role dropped from ADMIN_ROLES ends the sessions that relied on it', async (t) => {
  const first = await build(t)
  const opened = await login(first, first.signToken({ sub: 'ops', tenant: 'hq', roles: ['ops-admin'] }))
  t.equal(opened.statusCode, 403, 'ops-admin is not an admin role by default')
  const widened = await build(t, { ADMIN_ROLES: 'ops-admin' })
  const ok = await login(widened, widened.signToken({ sub: 'ops', tenant: 'hq', roles: ['ops-admin'] }))
  t.equal(ok.statusCode, 200)
  const narrowed = await build(t, { ADMIN_ROLES: 'admin' })
  const res = await narrowed.inject({ method: 'GET', url: '/api/admin/session', headers: { cookie: `${SESSION_COOKIE}=${cookieOf(ok).value}` } })
  t.equal(res.statusCode, 403)
})

t.test('DELETE clears the cookie', async (t) => {
  const app = await build(t)
  const opened = await login(app, app.signToken({ sub: 'ops', tenant: 'hq', roles: ['admin'] }))
  const res = await app.inject({ method: 'DELETE', url: '/api/admin/session', headers: { cookie: `${SESSION_COOKIE}=${cookieOf(opened).value}` } })
  t.equal(res.statusCode, 204)
  t.match(cookieOf(res), { value: '', attributes: /Max-Age=0/ })
})

t.test('production marks the cookie Secure and disables the test tools', async (t) => {
  const app = await build(t, { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), ALLOWED_ORIGINS: 'https://ops.example' })
  const opened = await login(app, app.signToken({ sub: 'ops', tenant: 'hq', roles: ['admin'] }))
  t.match(cookieOf(opened).attributes, /Secure/)
  const res = await app.inject({ method: 'GET', url: '/api/admin/session', headers: { cookie: `${SESSION_COOKIE}=${cookieOf(opened).value}` } })
  t.equal(res.json().testToolsEnabled, false)
})

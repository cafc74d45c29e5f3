import { createHmac } from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'
import { Writable } from 'node:stream'
import { CLOSE_CODES, PROTOCOL_VERSION } from '@switchboard/shared'
import t from 'tap'
import { createSigner } from 'fast-jwt'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { RawClient, sleep } from '../helpers/raw-client.ts'
import { rawUpgrade, upgradeRequest } from '../helpers/raw-upgrade.ts'
import { TEST_SECRET, startServer } from '../helpers/server.ts'
import { recordWrites } from '../helpers/tcp-writes.ts'

/** The HTTP status an upgrade was refused with, or 0 when it succeeded. */
const refusal = (opening: Promise<RawClient>) =>
  opening.then(
    (c) => (c.close(), 0),
    (e: { statusCode?: number }) => e.statusCode ?? -1,
  )

const alice = { sub: 'alice', tenant: 'clinic-1', roles: ['staff'] }
const portOf = (http: string) => Number(new URL(http).port)

t.test('the first frame is welcome, then an auth frame gets auth_success with identity and rooms', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.open(`${s.ws}/ws`)
  const welcome = await c.next('welcome')
  t.equal(c.frames[0]!.type, 'welcome')
  t.equal(welcome.protocol, PROTOCOL_VERSION)
  t.equal(welcome.heartbeatIntervalMs, s.config.HEARTBEAT_INTERVAL_MS)
  t.equal(welcome.authenticated, false)
  t.type(welcome.connectionId, 'string')
  const ok = await c.request({ type: 'auth', token: s.token(alice) }, 'a1')
  t.match(ok, { type: 'auth_success', id: 'a1', user: 'alice', tenant: 'clinic-1', roles: ['staff'], connectionId: welcome.connectionId })
  t.same(ok.rooms, ['tenant:clinic-1', 'user:alice', 'role:staff'])
  t.ok(Date.parse(ok.expiresAt) > Date.now())
  c.close()
})

t.test('claims from the reference systems are normalised: systemId for tenant, single role', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.open(`${s.ws}/ws`)
  const ok = await c.request({ type: 'auth', token: s.token({ sub: 42, systemId: 'sys-9', role: 'LEVEL_1' }) })
  t.match(ok, { type: 'auth_success', user: '42', tenant: 'sys-9', roles: ['LEVEL_1'] })
  c.close()
})

t.test('a bad token gets auth_error then close 4001', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.open(`${s.ws}/ws`)
  await c.next('welcome')
  c.send({ type: 'auth', token: 'not-a-jwt' })
  const err = await c.next('auth_error')
  t.equal(err.code, 'AUTH_FAILED')
  t.equal(await c.closed(), CLOSE_CODES.AUTH_FAILED)
})

t.test('an expired token is refused with TOKEN_EXPIRED', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.open(`${s.ws}/ws`)
  c.send({ type: 'auth', token: s.token(alice, -120) })
  t.equal((await c.next('auth_error')).code, 'TOKEN_EXPIRED')
  t.equal(await c.closed(), CLOSE_CODES.AUTH_FAILED)
})

t.test('a token signed with another secret or lacking a tenant is refused', async (t) => {
  const s = await startServer(t)
  const other = await startServer(t, { JWT_SECRET: 'another-secret-0123456789-0123456789-xyz' })
  for (const token of [other.token(alice), s.token({ sub: 'nobody' })]) {
    const c = await RawClient.open(`${s.ws}/ws`)
    c.send({ type: 'auth', token })
    t.equal((await c.next('auth_error')).code, 'AUTH_FAILED')
    t.equal(await c.closed(), 4001)
  }
})

t.test('no request is processed before auth', async (t) => {
  const s = await startServer(t, { MAX_INVALID_FRAMES: '3' })
  const c = await RawClient.open(`${s.ws}/ws`)
  const err = await c.request({ type: 'subscribe', channels: ['orders'] }, 's1')
  t.match(err, { type: 'error', id: 's1', code: 'NOT_AUTHENTICATED', temporary: false })
  t.type(err.ref, 'string')
  // a ping is allowed before auth and answered
  t.match(await c.request({ type: 'ping' }, 'p1'), { type: 'pong', id: 'p1' })
  // early requests are ignored, not counted as invalid frames (which close with 1008 at the limit)
  for (let i = 2; i <= 5; i++) t.match(await c.request({ type: 'subscribe', channels: ['orders'] }, `s${i}`), { code: 'NOT_AUTHENTICATED' })
  c.send({ type: 'auth', token: s.token({ sub: 'late', tenant: 't1', roles: ['user'] }) })
  t.equal((await c.next('auth_success')).user, 'late', 'the connection is still open and authenticates')
  t.match(await c.request({ type: 'subscribe', channels: ['orders'] }, 's6'), { type: 'subscribed', channels: ['orders'] })
  c.close()
})

t.test('a socket that does not authenticate in time is closed with 4103', async (t) => {
  const s = await startServer(t, { AUTH_TIMEOUT_MS: '200' })
  const c = await RawClient.open(`${s.ws}/ws`)
  t.equal(await c.closed(), CLOSE_CODES.AUTH_TIMEOUT)
})

t.test('/ws/connect?token= authenticates at the upgrade', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.open(`${s.ws}/ws/connect?token=${s.token(alice)}`)
  t.match(await c.next('welcome'), { authenticated: true })
  t.match(await c.next('auth_success'), { user: 'alice', tenant: 'clinic-1' })
  c.close()
})

t.test('/ws/connect answers the upgrade with 101, welcome and auth_success in one segment', async (t) => {
  const s = await startServer(t)
  // count the stream writes the server's side of the connection makes (Writable's _write/_writev)
  const writes: string[] = []
  s.app.server.prependListener('upgrade', (_req: unknown, serverSide: net.Socket) => recordWrites(serverSide, writes))
  const port = portOf(s.http)
  const socket = net.connect(port, '127.0.0.1')
  t.teardown(() => socket.destroy())
  await once(socket, 'connect')
  socket.write(upgradeRequest(`/ws/connect?token=${s.token(alice)}`))
  // the first read holds everything the server wrote in the upgrade's turn (corked: one write)
  const [first] = (await once(socket, 'data')) as [Buffer]
  const text = first.toString('latin1')
  t.match(text, /^HTTP\/1\.1 101 /)
  t.match(text, /"type":"welcome"/)
  t.match(text, /"type":"auth_success"/)
  t.same(writes, ['writev'], 'one write for the three')
})

t.test('/ws/connect refuses a bad or missing token with 401 before the upgrade', async (t) => {
  const s = await startServer(t)
  t.equal(await refusal(RawClient.open(`${s.ws}/ws/connect?token=garbage`)), 401)
  t.equal(await refusal(RawClient.open(`${s.ws}/ws/connect`)), 401)
  t.equal(await refusal(RawClient.open(`${s.ws}/ws/connect?token=${s.token(alice, -120)}`)), 401)
  t.equal(s.app.hub.connections.size, 0)
})

t.test('upgrade refusals carry a JSON body with the error code', async (t) => {
  const s = await startServer(t, { ALLOWED_ORIGINS: 'https://app.example', WS_MAX_CONNECTIONS_PER_IP_PER_MINUTE: '5' })
  const missing = await rawUpgrade(portOf(s.http), '/ws/connect')
  t.equal(missing.status, 401)
  t.match(JSON.parse(missing.body), { statusCode: 401, code: 'NOT_AUTHENTICATED' })
  const expired = await rawUpgrade(portOf(s.http), `/ws/connect?token=${s.token(alice, -120)}`)
  t.match(JSON.parse(expired.body), { statusCode: 401, code: 'TOKEN_EXPIRED' })
  const forged = await rawUpgrade(portOf(s.http), `/ws/connect?token=${s.token(alice)}x`)
  t.match(JSON.parse(forged.body), { statusCode: 401, code: 'AUTH_FAILED' })
  const origin = await rawUpgrade(portOf(s.http), '/ws', { Origin: 'https://evil.example' })
  t.equal(origin.status, 403)
  t.match(JSON.parse(origin.body), { statusCode: 403, code: 'FORBIDDEN' })
  // three attempts counted so far (the origin check comes first); two more make five, the sixth is over the limit
  for (let i = 0; i < 2; i++) t.equal((await rawUpgrade(portOf(s.http), '/ws/connect')).status, 401)
  const limited = await rawUpgrade(portOf(s.http), '/ws')
  t.equal(limited.status, 429)
  t.match(limited.head, /\r\nRetry-After: 60/i)
  t.match(JSON.parse(limited.body), { statusCode: 429, code: 'RATE_LIMITED' })
  t.equal(s.app.hub.connections.size, 0, 'no refused upgrade became a connection')
})

t.test('paths other than /ws and /ws/connect are not upgraded by the gateway', async (t) => {
  const s = await startServer(t)
  const other = await rawUpgrade(portOf(s.http), `/ws/other?token=${s.token(alice)}`)
  t.equal(other.status, 404)
  t.equal(s.app.hub.connections.size, 0)
  // a plain GET (no upgrade) of a client path is not found either
  t.equal((await fetch(`${s.http}/ws/connect`)).status, 404)
})

t.test('an upgrade that arrives while the server shuts down gets 503', async (t) => {
  const config = loadConfig({ JWT_SECRET: TEST_SECRET, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_ENABLED: 'false' })
  const app = await buildApp(config, { logger: false })
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  let entered!: () => void
  const closingStarted = new Promise<void>((resolve) => (entered = resolve))
  // holds the shutdown after the gateway saw it (preClose hooks run in order), before the server stops listening
  app.addHook('preClose', async () => {
    entered()
    await held
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const http = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}`
  const token = createSigner({ key: TEST_SECRET, algorithm: 'HS256' })({ ...alice, exp: Math.floor(Date.now() / 1000) + 60 })
  t.equal((await rawUpgrade(portOf(http), `/ws/connect?token=${token}`, {}, false)).status, 101, 'upgrades before the shutdown')
  const closing = app.close()
  await closingStarted
  const late = await rawUpgrade(portOf(http), `/ws/connect?token=${token}`)
  release()
  await closing
  t.equal(late.status, 503)
  t.match(JSON.parse(late.body), { statusCode: 503, code: 'UNAVAILABLE' })
})

t.test('the token never appears in a log line', async (t) => {
  const lines: string[] = []
  const logStream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk))
      done()
    },
  })
  const s = await startServer(t, { LOG_LEVEL: 'info' }, { logger: undefined, logStream })
  const token = s.token(alice)
  const c = await RawClient.open(`${s.ws}/ws/connect?token=${token}`)
  await c.next('auth_success')
  await fetch(`${s.http}/ws/stats?token=${token}`)
  c.close()
  await sleep(50)
  const all = lines.join('')
  t.ok(all.includes('/ws/connect?token=[REDACTED]'), 'the request line is logged, redacted')
  t.notOk(all.includes(token.split('.')[2]!), 'the token (its signature) is not logged')
})

t.test('an Origin outside ALLOWED_ORIGINS is refused at the upgrade with 403', async (t) => {
  const s = await startServer(t, { ALLOWED_ORIGINS: 'https://app.example' })
  t.equal(await refusal(RawClient.open(`${s.ws}/ws`, { headers: { origin: 'https://evil.example' } })), 403)
  const ok = await RawClient.open(`${s.ws}/ws`, { headers: { origin: 'https://app.example' } })
  await ok.next('welcome')
  ok.close()
})

t.test('the per-IP connection rate limit refuses with 429 past its limit', async (t) => {
  const s = await startServer(t, { WS_MAX_CONNECTIONS_PER_IP_PER_MINUTE: '3' })
  const open: RawClient[] = []
  for (let i = 0; i < 3; i++) open.push(await RawClient.open(`${s.ws}/ws`))
  t.equal(await refusal(RawClient.open(`${s.ws}/ws`)), 429)
  for (const c of open) c.close()
})

t.test('behind a trusted proxy the per-IP limit and the connection record use the forwarded client address', async (t) => {
  const s = await startServer(t, { TRUST_PROXY: 'true', WS_MAX_CONNECTIONS_PER_IP_PER_MINUTE: '1' })
  const via = (ip: string) => ({ headers: { 'x-forwarded-for': `${ip}, 10.0.0.1` } })
  const first = await RawClient.open(`${s.ws}/ws/connect?token=${s.token(alice)}`, via('198.51.100.7'))
  await first.next('auth_success')
  t.same([...s.app.hub.connections.values()].map((c) => c.ip), ['198.51.100.7'])
  t.equal(await refusal(RawClient.open(`${s.ws}/ws`, via('198.51.100.7'))), 429, 'the same client again is over its limit')
  t.equal(await refusal(RawClient.open(`${s.ws}/ws`, via('203.0.113.9'))), 0, 'another client behind the same proxy is not')
  first.close()
})

t.test('without TRUST_PROXY a forwarded address is ignored', async (t) => {
  const s = await startServer(t, { WS_MAX_CONNECTIONS_PER_IP_PER_MINUTE: '1' })
  const c = await RawClient.open(`${s.ws}/ws/connect?token=${s.token(alice)}`, { headers: { 'x-forwarded-for': '198.51.100.7' } })
  await c.next('auth_success')
  t.same([...s.app.hub.connections.values()].map((c) => c.ip), ['127.0.0.1'])
  t.equal(await refusal(RawClient.open(`${s.ws}/ws`, { headers: { 'x-forwarded-for': '203.0.113.9' } })), 429, 'one address, whatever the header says')
  c.close()
})

t.test('the per-user connection cap closes the extra connection with 4105', async (t) => {
  const s = await startServer(t, { MAX_CONNECTIONS_PER_USER: '2' })
  const a = await RawClient.authed(s.ws, s.token(alice))
  const b = await RawClient.authed(s.ws, s.token(alice))
  const c = await RawClient.open(`${s.ws}/ws`)
  c.send({ type: 'auth', token: s.token(alice) })
  t.equal(await c.closed(), CLOSE_CODES.TOO_MANY_CONNECTIONS)
  a.close()
  b.close()
})

t.test('graceful shutdown closes sockets with 1001', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.authed(s.ws, s.token(alice))
  const closing = s.close()
  t.equal(await c.closed(), CLOSE_CODES.GOING_AWAY)
  await closing
})

t.test('ES256 with a public key: algorithms are pinned, an HS256 token made with the public key is refused', async (t) => {
  const { generateKeyPairSync } = await import('node:crypto')
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const s = await startServer(t, { JWT_SECRET: '', JWT_ALGORITHMS: 'ES256', JWT_PUBLIC_KEY: pub })
  const exp = Math.floor(Date.now() / 1000) + 600
  const good = createSigner({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'ES256' })({ ...alice, exp })
  const ok = await RawClient.open(`${s.ws}/ws`)
  t.match(await ok.request({ type: 'auth', token: good }), { type: 'auth_success', user: 'alice' })
  ok.close()
  // the classic algorithm confusion: HS256 "signed" with the public key as the HMAC secret
  const { createHmac } = await import('node:crypto')
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...alice, exp })}`
  const confused = `${unsigned}.${createHmac('sha256', pub).update(unsigned).digest('base64url')}`
  const bad = await RawClient.open(`${s.ws}/ws`)
  t.match(await bad.request({ type: 'auth', token: confused }), { type: 'auth_error', code: 'AUTH_FAILED' })
  t.equal(await bad.closed(), 4001)
})

/** An HS256 token with the server's secret and exactly these claims, made by hand: a signer refuses some of them. */
function signed(claims: Record<string, unknown>): string {
  const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
  return `${input}.${createHmac('sha256', TEST_SECRET).update(input).digest('base64url')}`
}
const nowSeconds = () => Math.floor(Date.now() / 1000)
/** The JSON body of a refused upgrade; an accepted one (101, then frames) has none. */
const refusalBody = (r: { status: number; body: string }) => (r.status === 101 ? {} : JSON.parse(r.body))

t.test('a time claim no Date can hold is refused with 401 at /ws/connect and auth_error on /ws, not a hang or INTERNAL', async (t) => {
  const s = await startServer(t)
  for (const claims of [{ exp: 1e17 }, { nbf: -1e17 }, { iat: 1e17, exp: nowSeconds() + 60 }]) {
    const token = signed({ ...alice, ...claims })
    const refused = await rawUpgrade(portOf(s.http), `/ws/connect?token=${token}`)
    t.equal(refused.status, 401, `${JSON.stringify(claims)}: /ws/connect`)
    t.match(refusalBody(refused), { statusCode: 401, code: 'AUTH_FAILED' })
    const c = await RawClient.open(`${s.ws}/ws`)
    t.match(await c.request({ type: 'auth', token }), { type: 'auth_error', code: 'AUTH_FAILED' }, `${JSON.stringify(claims)}: auth frame`)
    t.equal(await c.closed(), CLOSE_CODES.AUTH_FAILED)
  }
  t.equal(s.app.hub.userConnectionCount('clinic-1', 'alice'), 0, 'no refused token joined its rooms')
})

t.test('a token issued in the future is refused; one issued within the clock leeway is not', async (t) => {
  const s = await startServer(t, { JWT_LEEWAY_SECONDS: '30' })
  const future = signed({ ...alice, iat: nowSeconds() + 10 * 365 * 86_400, exp: nowSeconds() + 600 })
  const refused = await rawUpgrade(portOf(s.http), `/ws/connect?token=${future}`)
  t.equal(refused.status, 401)
  t.match(refusalBody(refused), { code: 'AUTH_FAILED', message: /future/ })
  const skewed = signed({ ...alice, iat: nowSeconds() + 20, exp: nowSeconds() + 600 })
  t.equal(await refusal(RawClient.open(`${s.ws}/ws/connect?token=${skewed}`)), 0, 'a clock 20 s ahead is within the 30 s leeway')
})

t.test('a token naming the reserved tenant "*" is refused, as tenant or systemId', async (t) => {
  const s = await startServer(t)
  for (const claims of [{ sub: 'eve', tenant: '*', roles: ['tenant-admin'] }, { sub: 'eve', systemId: '*', roles: ['service'] }]) {
    const refused = await rawUpgrade(portOf(s.http), `/ws/connect?token=${s.token(claims)}`)
    t.equal(refused.status, 401)
    t.match(refusalBody(refused), { code: 'AUTH_FAILED', message: /reserved/ })
    const c = await RawClient.open(`${s.ws}/ws`)
    t.match(await c.request({ type: 'auth', token: s.token(claims) }), { type: 'auth_error', code: 'AUTH_FAILED' })
    t.equal(await c.closed(), CLOSE_CODES.AUTH_FAILED)
  }
})

t.test('a throw while opening an upgraded connection closes it with 1011 instead of leaving the client hanging', async (t) => {
  const s = await startServer(t)
  const join = s.app.hub.joinIdentityRooms
  s.app.hub.joinIdentityRooms = () => {
    throw new Error('simulated failure')
  }
  t.teardown(() => void (s.app.hub.joinIdentityRooms = join))
  const c = await RawClient.open(`${s.ws}/ws/connect?token=${s.token(alice)}`)
  t.equal(await c.closed(), CLOSE_CODES.INTERNAL_ERROR)
  t.equal(c.all('auth_success').length, 0)
})

import { CLOSE_CODES } from '@switchboard/shared'
import t from 'tap'
import { RawClient } from '../helpers/raw-client.ts'
import { startServer } from '../helpers/server.ts'

const alice = { sub: 'alice', tenant: 'clinic-1', roles: ['staff'] }

t.test('malformed JSON gets MALFORMED_JSON with a ref; the connection stays', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.authed(s.ws, s.token(alice))
  c.send('{"type": "ping"')
  const err = await c.next('error')
  t.match(err, { code: 'MALFORMED_JSON', temporary: false })
  t.match(err.ref, /^.+:\d+$/)
  t.match(await c.request({ type: 'ping' }), { type: 'pong' }, 'still served')
  c.close()
})

t.test('a frame without a string type, or not an object, is INVALID_FRAME', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.authed(s.ws, s.token(alice))
  for (const bad of ['[1,2]', '"hello"', '{"type": 5}', '{}', 'null']) {
    c.send(bad)
    t.equal((await c.next('error')).code, 'INVALID_FRAME', bad)
  }
  c.close()
})

t.test('an unknown type is UNKNOWN_TYPE and echoes the request id', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.authed(s.ws, s.token(alice))
  t.match(await c.request({ type: 'launch_rockets' }, 'x1'), { type: 'error', id: 'x1', code: 'UNKNOWN_TYPE' })
  c.close()
})

t.test('a schema violation is INVALID_FRAME with details naming the field', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.authed(s.ws, s.token(alice))
  const err = await c.request({ type: 'subscribe', channels: ['UPPER CASE!'] }, 'v1')
  t.match(err, { type: 'error', id: 'v1', code: 'INVALID_FRAME' })
  t.ok(err.details.some((d: { path: string }) => d.path.startsWith('/channels')), JSON.stringify(err.details))
  const badFilter = await c.request({ type: 'subscribe', channels: ['a'], filters: { 'bad key!': ['x'] } }, 'v3')
  t.equal(badFilter.code, 'INVALID_FRAME', 'filter keys must match their pattern')
  const badSince = await c.request({ type: 'subscribe', channels: ['a'], since: { 'NOT A CHANNEL': { offset: 1, epoch: 'e' } } }, 'v4')
  t.equal(badSince.code, 'INVALID_FRAME', 'since keys must be channel names')
  const extra = await c.request({ type: 'ping', surprise: true }, 'v2')
  t.equal(extra.code, 'INVALID_FRAME', 'unknown properties are refused')
  c.close()
})

t.test('a frame nested deeper than MAX_JSON_DEPTH is TOO_DEEP, even a 100,000-deep one', async (t) => {
  const s = await startServer(t, { MAX_FRAME_BYTES: '400000' })
  const c = await RawClient.authed(s.ws, s.token(alice))
  c.send(`{"type":"ping","x":${'['.repeat(40)}${']'.repeat(40)}}`)
  t.equal((await c.next('error')).code, 'TOO_DEEP')
  c.send(`{"type":"ping","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)
  t.equal((await c.next('error')).code, 'TOO_DEEP')
  // brackets inside strings do not count
  t.match(await c.request({ type: 'auth', token: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' }), { type: 'auth_error' })
  c.close()
})

t.test('__proto__, constructor and prototype keys are refused with FORBIDDEN_KEY', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.authed(s.ws, s.token(alice))
  c.send('{"type":"subscribe","channels":["a"],"filters":{"__proto__":["x"]}}')
  t.equal((await c.next('error')).code, 'FORBIDDEN_KEY')
  c.send('{"type":"ping","constructor":{"prototype":1}}')
  t.equal((await c.next('error')).code, 'FORBIDDEN_KEY')
  t.equal(({} as Record<string, unknown>).x, undefined, 'Object.prototype untouched')
  c.close()
})

t.test('a binary frame is INVALID_FRAME', async (t) => {
  const s = await startServer(t)
  const c = await RawClient.authed(s.ws, s.token(alice))
  c.socket.send(Buffer.from([1, 2, 3]), { binary: true })
  t.equal((await c.next('error')).code, 'INVALID_FRAME')
  c.close()
})

t.test('a frame larger than MAX_FRAME_BYTES closes the connection with 1009', async (t) => {
  const s = await startServer(t, { MAX_FRAME_BYTES: '1024' })
  const c = await RawClient.authed(s.ws, s.token(alice))
  c.send({ type: 'ping', id: 'x', pad: 'x'.repeat(2000) })
  t.equal(await c.closed(), CLOSE_CODES.MESSAGE_TOO_BIG)
})

t.test('past WS_MAX_MESSAGES_PER_MINUTE frames get RATE_LIMITED (temporary); pongs are not metered', async (t) => {
  const s = await startServer(t, { WS_MAX_MESSAGES_PER_MINUTE: '5' })
  const c = await RawClient.authed(s.ws, s.token(alice)) // the auth frame is message 1
  for (let i = 0; i < 10; i++) c.send({ type: 'pong' })
  for (let i = 0; i < 4; i++) t.equal((await c.request({ type: 'ping' })).type, 'pong')
  const limited = await c.request({ type: 'ping' }, 'over')
  t.match(limited, { type: 'error', id: 'over', code: 'RATE_LIMITED', temporary: true })
  t.equal(c.closeCode, undefined, 'rate limiting alone does not close')
  c.close()
})

t.test('repeated invalid frames close with 1008 after MAX_INVALID_FRAMES', async (t) => {
  const s = await startServer(t, { MAX_INVALID_FRAMES: '3' })
  const c = await RawClient.authed(s.ws, s.token(alice))
  c.send('nope')
  c.send('nope')
  c.send('nope')
  t.equal(await c.closed(), CLOSE_CODES.POLICY_VIOLATION)
  t.equal(c.all('error').length, 3)
})

t.test('an exception in a handler becomes an INTERNAL error and the process carries on', async (t) => {
  const s = await startServer(t)
  const Type = (await import('typebox')).default
  s.app.dispatcher.register('explode', Type.Object({ type: Type.Literal('explode'), id: Type.Optional(Type.String()) }), {
    requiresAuth: true,
    handle() {
      throw new Error('boom')
    },
  })
  s.app.dispatcher.register('explode-later', Type.Object({ type: Type.Literal('explode-later'), id: Type.Optional(Type.String()) }), {
    requiresAuth: true,
    async handle() {
      throw new Error('async boom')
    },
  })
  const c = await RawClient.authed(s.ws, s.token(alice))
  t.match(await c.request({ type: 'explode' }, 'e1'), { type: 'error', id: 'e1', code: 'INTERNAL', temporary: true })
  t.match(await c.request({ type: 'explode-later' }, 'e2'), { type: 'error', id: 'e2', code: 'INTERNAL' })
  t.match(await c.request({ type: 'ping' }), { type: 'pong' })
  c.close()
})

import { CLOSE_CODES } from '@switchboard/shared'
import t from 'tap'
import WebSocket from 'ws'
import { RawClient, sleep } from '../helpers/raw-client.ts'
import { publish, startServer } from '../helpers/server.ts'

const alice = { sub: 'alice', tenant: 'clinic-1', roles: ['staff'] }

t.test('the server pings every interval and a pong keeps the connection', async (t) => {
  const s = await startServer(t, { HEARTBEAT_INTERVAL_MS: '100' })
  const c = await RawClient.authed(s.ws, s.token(alice))
  c.socket.on('message', (d) => {
    if (JSON.parse(String(d)).type === 'ping') c.send({ type: 'pong' })
  })
  await c.next('ping')
  await sleep(450)
  t.ok(c.all('ping').length >= 3, `pinged ${c.all('ping').length} times`)
  t.equal(c.closeCode, undefined)
  t.equal(s.app.hub.stats.heartbeatTimeouts, 0)
  c.close()
})

t.test('a connection that answers neither app nor WebSocket pings is closed with 4102 and counted', async (t) => {
  const s = await startServer(t, { HEARTBEAT_INTERVAL_MS: '100' })
  // autoPong off: this client ignores WebSocket-level pings as well
  const c = await RawClient.open(`${s.ws}/ws/connect?token=${s.token(alice)}`, { autoPong: false })
  await c.next('auth_success')
  t.equal(await c.closed(), CLOSE_CODES.HEARTBEAT_TIMEOUT)
  t.equal(s.app.hub.stats.heartbeatTimeouts, 1)
  const metrics = await (await fetch(`${s.http}/metrics`)).text()
  t.match(metrics, /switchboard_ws_timeouts_total\{kind="heartbeat"\} 1/)
})

t.test('a token that expires on a live connection ends it with 4104', async (t) => {
  const s = await startServer(t, { JWT_LEEWAY_SECONDS: '0' })
  // 2 s: `exp` is whole seconds, so a 1 s token may already be expired when it arrives
  const c = await RawClient.authed(s.ws, s.token(alice, 2))
  t.equal(await c.closed(4000), CLOSE_CODES.TOKEN_EXPIRED)
})

t.test('a connection that re-authenticates before expiry lives on', async (t) => {
  const s = await startServer(t, { JWT_LEEWAY_SECONDS: '0' })
  const short = s.token(alice, 2)
  const exp = (JSON.parse(Buffer.from(short.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp
  const c = await RawClient.authed(s.ws, short)
  await c.request({ type: 'auth', token: s.token(alice, 600) })
  // past the first token's expiry by more than a sweep tick (1 s here): without the re-auth it would be closed
  await sleep(exp * 1000 - Date.now() + 1500)
  t.equal(c.closeCode, undefined)
  t.match(await c.request({ type: 'ping' }), { type: 'pong' })
  c.close()
})

t.test('a slow consumer is closed with 4101 past its outbound buffer; others are unaffected', async (t) => {
  const s = await startServer(t, { OUTBOUND_BUFFER_BYTES: '65536' })
  const token = s.token(alice)
  const fast = await RawClient.authed(s.ws, token)
  const slow = new WebSocket(`${s.ws}/ws/connect?token=${token}`)
  await new Promise((r) => slow.once('open', r))
  const slowClosed = new Promise<number>((r) => slow.once('close', (code) => r(code)))
  // stop reading: the kernel buffers fill, then the server's per-connection buffer does
  ;(slow as unknown as { _socket: { pause(): void } })._socket.pause()
  const svc = s.token({ sub: 'svc', tenant: 'clinic-1', roles: ['service'] })
  const data = { level: 'info', message: 'x'.repeat(4000) }
  let sent = 0
  for (; sent < 2000 && s.app.hub.stats.slowConsumerCloses === 0; sent++) {
    await publish(s, svc, { type: 'system_event', tenant: 'clinic-1', data })
  }
  t.equal(s.app.hub.stats.slowConsumerCloses, 1, `slow consumer detected after ${sent} events`)
  ;(slow as unknown as { _socket: { resume(): void } })._socket.resume()
  t.equal(await slowClosed, CLOSE_CODES.SLOW_CONSUMER)
  await fast.next((f) => f.type === 'system_event' && fast.all('system_event').length === sent, 5000)
  t.equal(fast.all('system_event').length, sent, 'the fast client got every event')
  const metrics = await (await fetch(`${s.http}/metrics`)).text()
  t.match(metrics, /switchboard_dropped_messages_total\{reason="slow_consumer"\} 1/)
  fast.close()
})

/**
 * The client against a real WebSocket server (fake-server.ts) that speaks the
 * protocol as PROTOCOL.md documents it. Delays are tiny (backoff 5-20 ms) and
 * nothing asserts on time: each test waits for the events it expects.
 */
import t, { type Test } from 'tap'
import { ClientError, SwitchboardClient, type ClientEvents, type ClientOptions } from '../../src/client/index.ts'
import type { PushFrame } from '../../src/index.ts'
import { FakeServer } from './fake-server.ts'

const FAST_BACKOFF = { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 5 }

async function setup(t: Test, options: Partial<ClientOptions> = {}, serverOptions: Parameters<typeof FakeServer.start>[0] = {}) {
  const server = await FakeServer.start(serverOptions)
  const client = new SwitchboardClient({ url: server.url, token: 'good-1', backoff: FAST_BACKOFF, ...options })
  t.teardown(async () => {
    client.close()
    await server.close()
  })
  return { server, client }
}

function next<K extends keyof ClientEvents>(client: SwitchboardClient, name: K, match: (e: ClientEvents[K]) => boolean = () => true) {
  return new Promise<ClientEvents[K]>((resolve) => {
    const off = client.events.on(name, (payload) => {
      if (!match(payload)) return
      off()
      resolve(payload)
    })
  })
}

t.test('connects to /ws, authenticates after welcome and walks the state machine', async (t) => {
  const { server, client } = await setup(t)
  const states: string[] = []
  client.events.on('state', ({ previous, next }) => states.push(`${previous}->${next}`))
  const session = await client.connect()
  t.equal(session.user, 'u1')
  t.equal(session.tenant, 't1')
  t.same(session.roles, ['admin'])
  t.equal(client.state, 'connected')
  t.same(states, ['disconnected->connecting', 'connecting->authenticating', 'authenticating->connected'])
  const conn = await server.waitForConnections(1)
  t.equal(conn.path, '/ws')
  const auth = conn.frames[0] as Record<string, unknown>
  t.equal(auth.type, 'auth')
  t.equal(auth.token, 'good-1')
  t.type(auth.id, 'string', 'the auth request carries an id')
  t.equal(client.welcome?.heartbeatIntervalMs, 30_000)
  t.equal(await client.connect(), session, 'connect() again resolves with the live session')
})

t.test('query mode authenticates at the upgrade and sends no auth frame', async (t) => {
  const { server, client } = await setup(t, { mode: 'query', token: 'good token/with?chars' })
  const session = await client.connect()
  t.equal(session.user, 'u1')
  const conn = await server.waitForConnections(1)
  t.equal(conn.path, `/ws/connect?token=${encodeURIComponent('good token/with?chars')}`)
  t.same(await client.ping().then((p) => p.type), 'pong')
  t.notOk(conn.frames.some((f) => f.type === 'auth'), 'no auth frame sent')
})

t.test('query mode with a refused token (HTTP 401) retries with fresh tokens, then gives up', async (t) => {
  let calls = 0
  const { server, client } = await setup(t, { mode: 'query', token: () => `bad-${++calls}` })
  const disconnects: boolean[] = []
  client.events.on('disconnected', (d) => disconnects.push(d.willReconnect))
  const err = (await client.connect().catch((e: unknown) => e)) as ClientError
  t.type(err, ClientError)
  t.equal(err.code, 'CLOSED')
  t.match(err.message, /gave up after 5 reconnect attempts/)
  t.equal(client.state, 'closed')
  t.equal(calls, 6, 'the token function is called on the first connect and on every reconnect')
  t.same(disconnects, [true, true, true, true, true, false])
  t.equal(server.connections.length, 0, 'no WebSocket was ever accepted')
})

t.test('a bad token on /ws gets auth_error, close 4001, and no reconnect', async (t) => {
  const { server, client } = await setup(t, { token: 'bad' })
  const error = next(client, 'error')
  const closed = next(client, 'closed')
  await t.rejects(client.connect(), { code: 'CLOSED' })
  t.equal((await error).code, 'AUTH_FAILED')
  t.same(await closed, { code: 4001, reason: 'authentication failed' })
  t.equal(client.state, 'closed')
  t.equal(client.reconnectingIn(), null)
  t.equal(server.connections.length, 1, 'terminal close code: never reconnected')
})

t.test('answers the server ping with pong, and its own ping gets the pong with its id', async (t) => {
  const { server, client } = await setup(t)
  await client.connect()
  const conn = await server.waitForConnections(1)
  conn.send({ type: 'ping', ts: Date.now() })
  const pong = await server.nextFrame(conn, 'pong')
  t.same(pong, { type: 'pong' })
  const reply = await client.ping()
  const sent = conn.frames.find((f) => f.type === 'ping')
  t.equal(reply.id, sent?.id)
  t.type(reply.ts, 'number')
})

t.test('subscribe resolves with the reply matched by id, carries filters and lists denied channels', async (t) => {
  const { server, client } = await setup(t)
  await client.connect()
  const conn = await server.waitForConnections(1)
  const [a, b] = await Promise.all([
    client.subscribe(['orders', 'forbidden-x'], { filters: { status: ['paid'] } }),
    client.subscribe(['tasks']),
  ])
  t.same(a.channels, ['orders'])
  t.same(a.denied.map((d) => d.channel), ['forbidden-x'])
  t.same(b.channels, ['tasks'])
  const frames = conn.frames.filter((f) => f.type === 'subscribe')
  t.equal(frames[0]?.id, a.id)
  t.equal(frames[1]?.id, b.id)
  t.not(a.id, b.id)
  t.same(frames[0]?.filters, { status: ['paid'] })
  const un = await client.unsubscribe(['orders'])
  t.same(un.channels, ['orders'])
  t.notOk(conn.channels.has('orders'))
})

t.test('subscribe before connect waits for the connection and resolves with its own part of the reply', async (t) => {
  const { server, client } = await setup(t)
  const pending = client.subscribe(['orders'])
  const other = client.subscribe(['tasks', 'forbidden-logs'], { filters: { level: ['error'] } })
  await client.connect()
  const [a, b] = await Promise.all([pending, other])
  t.same(a.channels, ['orders'])
  t.same(a.denied, [])
  t.same(b.channels, ['tasks'])
  t.same(b.denied.map((d) => d.channel), ['forbidden-logs'])
  const conn = await server.waitForConnections(1)
  t.equal(conn.frames.filter((f) => f.type === 'subscribe').length, 2, 'one frame per distinct filters')
})

t.test('typed on() delivers pushes by type; onAny sees every push; handlers can be removed', async (t) => {
  const { server, client } = await setup(t)
  await client.connect()
  const conn = await server.waitForConnections(1)
  const notes: string[] = []
  const custom: unknown[] = []
  const any: string[] = []
  const off = client.on('notification', (data, push) => notes.push(`${data.title}:${data.level}:${push.id}`))
  client.on('my-custom', (data) => custom.push(data))
  client.onAny((push) => any.push(push.type))
  const push = (type: string, id: string, data: unknown) => conn.send({ type, id, ts: new Date().toISOString(), data })
  push('notification', 'e1', { title: 'Hi', content: '', level: 'info' })
  push('my-custom', 'e2', { anything: [1] })
  await client.ping() // replies come after the pushes sent before them
  off()
  push('notification', 'e3', { title: 'Again', content: '', level: 'info' })
  await client.ping()
  t.same(notes, ['Hi:info:e1'])
  t.same(custom, [{ anything: [1] }])
  t.same(any, ['notification', 'my-custom', 'notification'])
})

t.test('a terminal close code after connecting stops for good', async (t) => {
  const { server, client } = await setup(t)
  await client.connect()
  const conn = await server.waitForConnections(1)
  const disconnected = next(client, 'disconnected')
  const closed = next(client, 'closed')
  conn.ws.close(4004, 'stopped by operator')
  t.same(await disconnected, { code: 4004, reason: 'stopped by operator', willReconnect: false })
  t.same(await closed, { code: 4004, reason: 'stopped by operator' })
  t.equal(client.state, 'closed')
  await t.rejects(client.subscribe(['orders']), { code: 'CLOSED' })
  await t.rejects(client.ping(), { code: 'NOT_CONNECTED' })
  t.equal(server.connections.length, 1)
})

t.test('a reconnect code: backs off, re-auths with a fresh token, re-subscribes with since and recovers', async (t) => {
  let calls = 0
  const { server, client } = await setup(t, { token: () => `good-${++calls}` })
  await client.connect()
  await client.subscribe(['orders'])
  const conn1 = await server.waitForConnections(1)
  const received: PushFrame[] = []
  client.on('task_event', (_data, push) => received.push(push))
  server.publish('orders', 'task_event', { action: 'created', taskId: 1 })
  server.publish('orders', 'task_event', { action: 'created', taskId: 2 })
  await client.ping()
  t.same(client.position('orders'), { offset: 2, epoch: 'e1' })

  const reconnecting = next(client, 'reconnecting')
  conn1.ws.close(4100, 'restart')
  const info = await reconnecting
  t.equal(info.code, 4100)
  t.equal(info.attempt, 1)
  t.ok(info.delayMs >= 2 && info.delayMs <= 5, `first delay ${info.delayMs} ms within [initial * 0.5, initial]`)
  t.type(client.reconnectingIn(), 'number')
  t.equal(client.state, 'reconnecting')
  // Missed while away:
  server.publish('orders', 'task_event', { action: 'updated', taskId: 1 })

  const recovery = next(client, 'recovery')
  const session = await next(client, 'connected')
  t.equal(session.connectionId, 'c2')
  t.equal(client.reconnectingIn(), null)
  const conn2 = await server.waitForConnections(2)
  t.equal((await server.nextFrame(conn2, 'auth')).token, 'good-2', 'fresh token from the function')
  const resubscribe = await server.nextFrame(conn2, 'subscribe')
  t.same(resubscribe.channels, ['orders'])
  t.same(resubscribe.since, { orders: { offset: 2, epoch: 'e1' } })
  t.same(await recovery, { channel: 'orders', recovered: true, position: { offset: 3, epoch: 'e1' }, replayed: 1 })
  await client.ping()
  t.same(received.map((p) => p.offset), [1, 2, 3], 'the missed event was replayed, nothing twice')
  conn2.send(received[1] as PushFrame) // a duplicate (replay overlapping live delivery) is dropped
  server.publish('orders', 'task_event', { action: 'deleted', taskId: 2 })
  await client.ping()
  t.same(received.map((p) => p.offset), [1, 2, 3, 4])
  t.same(client.recovery('orders')?.recovered, true)
})

t.test('recovered: false is reported and the position moves to the new epoch', async (t) => {
  const { server, client } = await setup(t)
  await client.connect()
  await client.subscribe(['logs'])
  server.publish('logs', 'log:entry', { timestamp: 'now', level: 'info', service: 's', message: 'm' })
  await client.ping()
  t.same(client.position('logs'), { offset: 1, epoch: 'e1' })
  server.history.set('logs', { epoch: 'e2', events: [] }) // the server lost history
  const recovery = next(client, 'recovery')
  ;(await server.waitForConnections(1)).ws.close(1001, 'going away')
  t.same(await recovery, { channel: 'logs', recovered: false, position: { offset: 0, epoch: 'e2' }, replayed: 0 })
  t.same(client.position('logs'), { offset: 0, epoch: 'e2' })
})

t.test('a silent server is declared dead after twice the heartbeat interval and replaced', async (t) => {
  // The server announces a 20 ms heartbeat, then never sends anything again.
  const { server, client } = await setup(t, {}, { heartbeatIntervalMs: 20 })
  await client.connect()
  const disconnected = await next(client, 'disconnected')
  t.equal(disconnected.code, 4102)
  t.equal(disconnected.willReconnect, true)
  await next(client, 'connected')
  t.ok(server.connections.length >= 2, 'a new connection was opened')
})

t.test('requests time out, and are rejected when the connection drops', async (t) => {
  const { server, client } = await setup(
    t,
    { requestTimeoutMs: 30 },
    { onFrame: (_conn, frame) => frame.type === 'ping' }, // never answered
  )
  await client.connect()
  await t.rejects(client.ping(), { code: 'TIMEOUT', temporary: true })
  const inFlight = client.request({ type: 'ping' }, 10_000)
  const conn = await server.waitForConnections(1)
  await server.nextFrame(conn, 'ping', 1)
  conn.ws.close(1011, 'boom')
  await t.rejects(inFlight, { code: 'DISCONNECTED', temporary: true })
})

t.test('error replies reject the request with the envelope; unsolicited errors become events', async (t) => {
  const { server, client } = await setup(t, {}, {
    onFrame: (conn, frame) => {
      if (frame.type !== 'unsubscribe') return false
      conn.send({ type: 'error', id: frame.id, code: 'INVALID_FRAME', message: 'bad', ref: 'r-1', temporary: false, details: [{ path: '/channels', message: 'x' }] })
      conn.send({ type: 'error', code: 'RATE_LIMITED', message: 'slow down', temporary: true })
      return true
    },
  })
  await client.connect()
  const unsolicited = next(client, 'error')
  const err = (await client.unsubscribe(['orders']).catch((e: unknown) => e)) as ClientError
  t.type(err, ClientError)
  t.match(err, { code: 'INVALID_FRAME', ref: 'r-1', temporary: false, details: [{ path: '/channels', message: 'x' }] })
  t.match(await unsolicited, { code: 'RATE_LIMITED', temporary: true })
  void server
})

t.test('close() closes with 1000, rejects waiting subscribes and never reconnects', async (t) => {
  const { server, client } = await setup(t)
  await client.connect()
  const conn = await server.waitForConnections(1)
  const serverSaw = new Promise<number>((resolve) => conn.ws.on('close', (code) => resolve(code)))
  const closed = next(client, 'closed')
  client.close('bye')
  t.same(await closed, { code: 1000, reason: 'bye' })
  t.equal(await serverSaw, 1000)
  t.equal(client.state, 'closed')
  await t.rejects(client.subscribe(['x']), { code: 'CLOSED' })
  t.equal(server.connections.length, 1)
  const again = await client.connect()
  t.equal(again.connectionId, 'c2', 'connect() after close() opens a new connection')
})

t.test('with a token function, re-authenticates on the live socket before the token expires', async (t) => {
  let calls = 0
  const { server, client } = await setup(
    t,
    { token: () => `good-${++calls}`, tokenRefreshMarginMs: 1000 },
    { expiresAt: () => new Date(Date.now() + 1030).toISOString() },
  )
  await client.connect()
  const refreshed = await next(client, 'reauthenticated')
  t.equal(refreshed.user, 'u1')
  const conn = await server.waitForConnections(1)
  const auths = conn.frames.filter((f) => f.type === 'auth').map((f) => f.token)
  t.same(auths.slice(0, 2), ['good-1', 'good-2'], 'the fresh token went over the same socket')
  t.equal(server.connections.length, 1, 'no reconnect was needed')
})

t.test('notification requests resolve with their typed replies', async (t) => {
  const { client } = await setup(t, {}, {
    onFrame: (conn, frame) => {
      if (frame.type === 'notifications:get') conn.send({ type: 'notifications', id: frame.id, notifications: [], unreadCount: 0 })
      else if (frame.type === 'notifications:read') conn.send({ type: 'notifications:ack', id: frame.id, op: 'read', notificationId: frame.notificationId, updated: 1, unreadCount: 0 })
      else return false
      return true
    },
  })
  await client.connect()
  const list = await client.request({ type: 'notifications:get', unreadOnly: true })
  t.same([list.type, list.unreadCount], ['notifications', 0])
  const ack = await client.request({ type: 'notifications:read', notificationId: 'n-1' })
  t.same([ack.op, ack.updated, ack.notificationId], ['read', 1, 'n-1'])
})

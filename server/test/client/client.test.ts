/**
 * The typed client of @switchboard/shared/client against the REAL server
 * (buildApp on a random port, memory bus and history): connect with both auth
 * styles, subscribe, receive published events, obey close codes, reconnect
 * with re-auth and history recovery, refresh a token on the live socket.
 */
import { SwitchboardClient, type ClientEvents, type ClientOptions } from '@switchboard/shared/client'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { TokenClaims } from '../../src/plugins/auth.ts'

const FAST_BACKOFF = { initialDelayMs: 10, maxDelayMs: 40, maxAttempts: 4 }
const USER: TokenClaims = { sub: 'u1', tenant: 'clinic-1', roles: ['staff'] }

interface Setup {
  app: FastifyInstance
  http: string
  client: SwitchboardClient
  tokens: string[]
}

async function setup(t: Test, options: Partial<ClientOptions> = {}, env: Record<string, string> = {}): Promise<Setup> {
  const config = loadConfig({
    JWT_SECRET: 'client-test-secret-0123456789-0123456789',
    LOG_LEVEL: 'silent',
    DATABASE_ENABLED: 'false',
    HISTORY_CHANNELS: 'orders=100:300',
    ...env,
  })
  const app = await buildApp(config, { logger: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const tokens: string[] = []
  const client = new SwitchboardClient({
    url: `ws://127.0.0.1:${port}`,
    token: () => {
      tokens.push(app.signToken(USER))
      return tokens.at(-1) as string
    },
    backoff: FAST_BACKOFF,
    ...options,
  })
  t.teardown(async () => {
    client.close()
    await app.close()
  })
  return { app, http: `http://127.0.0.1:${port}`, client, tokens }
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

async function publish(s: Setup, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const token = s.app.signToken({ sub: 'backend', tenant: 'clinic-1', roles: ['service'] })
  const res = await fetch(`${s.http}/api/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** Closes every server-side connection with `code`, as an operator action or a restart would. */
function closeAll(app: FastifyInstance, code: number, reason: string): void {
  for (const c of app.hub.connections.values()) c.close(code, reason)
}

t.test('connects on /ws with an auth frame, subscribes and receives published events, typed', async (t) => {
  const s = await setup(t)
  const session = await s.client.connect()
  t.match(session, { user: 'u1', tenant: 'clinic-1', roles: ['staff'] })
  t.equal(s.client.welcome?.authenticated, false)
  const reply = await s.client.subscribe(['orders', 'logs'])
  t.same(reply.channels, ['orders'])
  t.same(reply.denied.map((d) => [d.channel, d.code]), [['logs', 'FORBIDDEN_CHANNEL']], 'restricted channel refused')

  const tasks: unknown[] = []
  const notes: string[] = []
  s.client.on('task_event', (data, push) => tasks.push([data.action, data.taskId, push.channel, push.offset]))
  s.client.on('notification', (data, push) => notes.push(`${data.title}/${push.channel ?? 'room'}`))
  const gotTask = new Promise<void>((resolve) => s.client.on('task_event', () => resolve()))
  const gotNote = new Promise<void>((resolve) => s.client.on('notification', () => resolve()))
  t.equal((await publish(s, { type: 'task_event', tenant: 'clinic-1', channel: 'orders', data: { action: 'created', taskId: 7 } })).status, 200)
  t.equal((await publish(s, { type: 'notification', tenant: 'clinic-1', data: { title: 'Hi', content: '', level: 'info' } })).status, 200)
  await Promise.all([gotTask, gotNote])
  t.same(tasks, [['created', 7, 'orders', 1]])
  t.same(notes, ['Hi/room'], 'tenant room delivery without subscribing')
  t.same(s.client.position('orders')?.offset, 1)
  t.equal((await s.client.ping()).type, 'pong')
})

t.test('query mode authenticates at the upgrade; a refused token (401) ends with the client closed', async (t) => {
  const s = await setup(t, { mode: 'query' })
  const session = await s.client.connect()
  t.equal(session.user, 'u1')
  t.equal(s.client.welcome?.authenticated, true)
  t.equal(s.tokens.length, 1)

  const bad = new SwitchboardClient({ url: s.http, mode: 'query', token: 'not-a-jwt', backoff: FAST_BACKOFF })
  t.teardown(() => bad.close())
  await t.rejects(bad.connect(), { code: 'CLOSED' })
  t.equal(bad.state, 'closed')
  t.equal(s.app.hub.connections.size, 1, 'only the good client ever got a socket')
})

t.test('a bad token on /ws: auth_error, close 4001, no reconnect', async (t) => {
  const s = await setup(t, { token: 'not-a-jwt' })
  const error = next(s.client, 'error')
  const closed = next(s.client, 'closed')
  await t.rejects(s.client.connect(), { code: 'CLOSED' })
  t.equal((await error).code, 'AUTH_FAILED')
  t.equal((await closed).code, 4001)
  t.equal(s.client.reconnectingIn(), null)
})

t.test('after a reconnect close code: re-auth with a fresh token, re-subscribe with since, missed events recovered', async (t) => {
  const s = await setup(t)
  await s.client.connect()
  await s.client.subscribe(['orders'])
  const seen: number[] = []
  s.client.on('task_event', (data) => seen.push(Number(data.taskId)))
  const first = new Promise<void>((resolve) => s.client.on('task_event', () => resolve()))
  await publish(s, { type: 'task_event', tenant: 'clinic-1', channel: 'orders', data: { action: 'created', taskId: 1 } })
  await first
  const firstConnection = s.client.session?.connectionId

  const reconnecting = next(s.client, 'reconnecting')
  closeAll(s.app, 4100, 'restart')
  t.equal((await reconnecting).code, 4100)
  // published while the client is away: kept by the channel's history
  await publish(s, { type: 'task_event', tenant: 'clinic-1', channel: 'orders', data: { action: 'updated', taskId: 2 } })
  const recovery = next(s.client, 'recovery')
  const connected = await next(s.client, 'connected')
  t.not(connected.connectionId, firstConnection, 'a new connection')
  t.equal(s.tokens.length, 2, 'the token function was called again')
  t.match(await recovery, { channel: 'orders', recovered: true, replayed: 1 })
  const live = new Promise<void>((resolve) => s.client.on('task_event', (d) => d.taskId === 3 && resolve()))
  await publish(s, { type: 'task_event', tenant: 'clinic-1', channel: 'orders', data: { action: 'updated', taskId: 3 } })
  await live
  t.same(seen, [1, 2, 3], 'the missed event replayed once, then live ones')
})

t.test('graceful shutdown (1001) is a reconnect code: the client keeps trying', async (t) => {
  const s = await setup(t)
  await s.client.connect()
  const disconnected = next(s.client, 'disconnected')
  await s.app.close()
  const info = await disconnected
  t.equal(info.code, 1001)
  t.equal(info.willReconnect, true)
  s.client.close()
})

t.test('a terminal close code (4004) stops the client: no reconnect', async (t) => {
  const s = await setup(t)
  await s.client.connect()
  const closed = next(s.client, 'closed')
  closeAll(s.app, 4004, 'stopped by operator')
  t.same(await closed, { code: 4004, reason: 'stopped by operator' })
  t.equal(s.client.state, 'closed')
  await t.rejects(s.client.subscribe(['orders']), { code: 'CLOSED' })
  t.equal(s.tokens.length, 1, 'never tried again')
})

t.test('the client answers server heartbeats: no heartbeat timeout over several intervals', async (t) => {
  const s = await setup(t, {}, { HEARTBEAT_INTERVAL_MS: '60' })
  const session = await s.client.connect()
  t.equal(s.client.welcome?.heartbeatIntervalMs, 60)
  await new Promise((r) => setTimeout(r, 500)) // a wait for ~8 heartbeats, not a timing assertion
  t.equal(s.app.hub.stats.heartbeatTimeouts, 0)
  // WebSocket-level pongs alone would keep it alive; the application pongs are frames the server counted
  const [conn] = [...s.app.hub.connections.values()]
  t.ok((conn?.messagesIn ?? 0) >= 4, `server received auth + ${(conn?.messagesIn ?? 1) - 1} pongs`)
  t.equal(s.client.session?.connectionId, session.connectionId, 'still the same connection')
})

t.test('with a token function the client refreshes its token on the live socket before expiry', async (t) => {
  // eslint-disable-next-line prefer-const
  let s: Setup | undefined
  s = await setup(t, { tokenRefreshMarginMs: 2_500, token: () => (s as Setup).app.signToken(USER, '3s') })
  const session = await s.client.connect()
  const refreshed = await next(s.client, 'reauthenticated')
  t.equal(refreshed.connectionId, session.connectionId, 'same socket')
  t.ok(Date.parse(refreshed.expiresAt ?? '') >= Date.parse(session.expiresAt ?? ''), 'expiry moved forward (or stayed)')
  t.equal(s.client.state, 'connected')
})

import t from 'tap'
import WebSocket, { WebSocketServer } from 'ws'
import type { Principal } from '../../src/plugins/auth.ts'
import { Connection } from '../../src/realtime/connection.ts'
import type { FrameWriter } from '../../src/realtime/frame-writer.ts'
import type { HubEvent, Target } from '../../src/realtime/event.ts'
import { Hub } from '../../src/realtime/hub.ts'
import type { RoomRef } from '../../src/realtime/rooms.ts'
import { WriteBatch } from '../../src/realtime/write-batch.ts'
import { recordWrites, tcpOf, WRITERS } from '../helpers/tcp-writes.ts'

const metrics = { delivered() {}, dropped() {}, sendError() {}, slowConsumer() {} }
const limits = { outboundBufferBytes: 1 << 20, messagesPerMinute: 1000, maxInvalidFrames: 10 }
const batch = new WriteBatch()
const sink = { onSlowConsumer() {}, onSendError() {}, onDropped() {}, onClosing() {}, flushLater: (c: Connection) => batch.add(c) }
const principal = (user: string): Principal => ({ user, tenant: 'acme', roles: ['user'], isAdmin: false, isTenantAdmin: false, isService: false, expiresAt: null })

let seq = 0
const event = (target: Target): HubEvent => ({ id: `e${++seq}`, type: 'note', ts: new Date().toISOString(), target, data: { n: seq }, publishedAt: Date.now() })

/**
 * Real sockets on both ends: each server-side socket becomes a Connection in
 * the hub, each client counts the frames it receives.
 */
async function pairs(t: { teardown(fn: () => unknown): void }, n: number, writer: () => FrameWriter = WRITERS[0]![1]) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  await new Promise((r) => wss.once('listening', r))
  const port = (wss.address() as { port: number }).port
  const serverSockets: WebSocket[] = []
  wss.on('connection', (ws) => serverSockets.push(ws))
  const clients: Array<{ ws: WebSocket; frames: Array<{ id: string }> }> = []
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false })
    const client = { ws, frames: [] as Array<{ id: string }> }
    ws.on('message', (data) => client.frames.push(JSON.parse(String(data))))
    await new Promise((r) => ws.once('open', r))
    clients.push(client)
  }
  while (serverSockets.length < n) await new Promise((r) => setTimeout(r, 5))
  t.teardown(() => {
    for (const c of clients) c.ws.terminate()
    wss.close()
  })
  const connections = serverSockets.map((socket, i) => new Connection({ id: `c${i}`, socket, ip: '127.0.0.1', userAgent: undefined, origin: undefined, limits, sink, writer: writer() }))
  return { clients, connections }
}

const settle = () => new Promise((r) => setTimeout(r, 50))

/** A hub on the shared write batch with `n` users u0..u(n-1), one connection each. */
async function usersOnBatch(t: { teardown(fn: () => unknown): void }, n: number, writer: () => FrameWriter) {
  const hub = new Hub({ systemChannels: [], metrics, writes: batch })
  const { clients, connections } = await pairs(t, n, writer)
  connections.forEach((c, i) => {
    hub.add(c)
    c.principal = principal(`u${i}`)
    hub.joinIdentityRooms(c)
  })
  return { hub, clients, connections }
}

t.test('a room grows from one member to many and shrinks back: deliveries and room changes stay exact', async (t) => {
  const hub = new Hub({ systemChannels: [], metrics })
  const changes: string[] = []
  hub.onRoomChange((room: RoomRef, active) => {
    if (room.kind === 'user') changes.push(`${active ? '+' : '-'}${room.user}`)
  })
  const { clients, connections } = await pairs(t, 3)
  // three connections of one user: the user room holds one connection, then a set of 2, then 3
  for (const c of connections) {
    hub.add(c)
    c.principal = principal('bob')
    hub.joinIdentityRooms(c)
  }
  t.same(changes, ['+bob'], 'the room became active once')
  t.equal(hub.userConnectionCount('acme', 'bob'), 3)
  t.equal(hub.uniqueUsers(), 1)
  t.equal(hub.deliver(event({ kind: 'user', tenant: 'acme', user: 'bob' })), 3)
  t.equal(hub.deliver(event({ kind: 'user', tenant: 'acme', user: 'alice' })), 0, 'no one else is reached')

  // back to one member: the remaining connection alone gets what follows
  hub.remove(connections[0]!, 1000, '')
  t.equal(hub.deliver(event({ kind: 'user', tenant: 'acme', user: 'bob' })), 2)
  hub.remove(connections[2]!, 1000, '')
  t.equal(hub.deliver(event({ kind: 'user', tenant: 'acme', user: 'bob' })), 1)
  hub.remove(connections[2]!, 1000, '')
  t.equal(hub.deliver(event({ kind: 'user', tenant: 'acme', user: 'bob' })), 1, 'removing a connection twice changes nothing')
  t.same(changes, ['+bob'], 'still active with one member')
  t.equal(hub.userConnectionCount('acme', 'bob'), 1)

  // and up again from one: the room is a set of two once more
  hub.add(connections[0]!)
  hub.joinIdentityRooms(connections[0]!)
  t.equal(hub.deliver(event({ kind: 'user', tenant: 'acme', user: 'bob' })), 2)
  hub.remove(connections[0]!, 1000, '')
  hub.remove(connections[1]!, 1000, '')
  t.same(changes, ['+bob', '-bob'], 'inactive when the last member left')
  t.equal(hub.deliver(event({ kind: 'user', tenant: 'acme', user: 'bob' })), 0)
  t.equal(hub.userConnectionCount('acme', 'bob'), 0)
  t.equal(hub.uniqueUsers(), 0)

  await settle()
  t.same(clients.map((c) => c.frames.length), [2, 5, 2], 'each socket got exactly the events sent while it was a member')
})

t.test('channel rooms of one and of many apply each member\'s filters', async (t) => {
  const hub = new Hub({ systemChannels: [], metrics })
  const { clients, connections } = await pairs(t, 2)
  const [one, two] = connections as [Connection, Connection]
  for (const c of connections) {
    hub.add(c)
    c.principal = principal(c.id)
    hub.joinIdentityRooms(c)
  }
  one.subscriptionState.set({ channel: 'orders', connection: one, filters: new Map([['shop', new Set(['a'])]]), pending: undefined })
  hub.subscribe(one, 'orders')
  const target: Target = { kind: 'channel', tenant: 'acme', channel: 'orders' }
  const shopped = (shop: string): HubEvent => ({ ...event(target), data: { shop } })
  t.equal(hub.deliver(shopped('a')), 1, 'a room of one: filter passes')
  t.equal(hub.deliver(shopped('b')), 0, 'a room of one: filter holds the event back')
  two.subscriptionState.set({ channel: 'orders', connection: two, filters: undefined, pending: undefined })
  hub.subscribe(two, 'orders')
  t.equal(hub.deliver(shopped('b')), 1, 'a room of two: only the unfiltered member')
  t.equal(hub.deliver(shopped('a')), 2)
  t.equal(hub.channelCount(), 1)
  hub.unsubscribe(one, 'orders')
  t.equal(hub.deliver(shopped('a')), 1, 'back to one member')
  hub.unsubscribe(two, 'orders')
  t.equal(hub.channelCount(), 0, 'the channel room is gone with its last member')
  await settle()
  t.same(clients.map((c) => c.frames.length), [2, 3])
})

t.test('hasAudience says whether an event would find anyone here, system channels for global admins included', async (t) => {
  const hub = new Hub({ systemChannels: ['admin-dashboard'], metrics })
  const { connections } = await pairs(t, 2)
  const [staff, root] = connections as [Connection, Connection]
  const dashboard: Target = { kind: 'channel', tenant: 'acme', channel: 'admin-dashboard' }
  t.equal(hub.hasAudience(dashboard), false, 'nobody yet')
  t.equal(hub.hasAudience({ kind: 'all' }), false)
  hub.add(staff)
  staff.principal = principal('staff')
  hub.joinIdentityRooms(staff)
  t.equal(hub.hasAudience({ kind: 'tenant', tenant: 'acme' }), true)
  t.equal(hub.hasAudience({ kind: 'user', tenant: 'acme', user: 'staff' }), true)
  t.equal(hub.hasAudience({ kind: 'role', tenant: 'acme', role: 'user' }), true)
  t.equal(hub.hasAudience({ kind: 'tenant', tenant: 'other' }), false)
  t.equal(hub.hasAudience(dashboard), false, 'members of the tenant are not dashboard watchers')
  hub.add(root)
  root.principal = { ...principal('root'), tenant: 'ops', isAdmin: true }
  hub.joinIdentityRooms(root)
  root.subscriptionState.set({ channel: 'admin-dashboard', connection: root, filters: undefined, pending: undefined })
  hub.subscribe(root, 'admin-dashboard')
  t.equal(hub.hasAudience(dashboard), true, 'a global admin watches every tenant\'s dashboard')
  t.equal(hub.hasAudience({ kind: 'channel', tenant: 'acme', channel: 'orders' }), false)
  hub.unsubscribe(root, 'admin-dashboard')
  t.equal(hub.hasAudience(dashboard), false)
})

for (const [mode, writer] of WRITERS) {
  t.test(`events of one turn: the first is written at once, the later ones share one write per socket at the end of the turn (${mode})`, async (t) => {
    const { hub, clients, connections } = await usersOnBatch(t, 16, writer)
    // the TCP writes of one member's socket
    const writes: string[] = []
    recordWrites(tcpOf(connections[0]!.socket), writes)

    const sent = [1, 2, 3].map(() => event({ kind: 'tenant', tenant: 'acme' }))
    t.same(sent.map((e) => hub.deliver(e)), [16, 16, 16])
    t.same(writes, ['write'], 'the first broadcast is written during the turn, the others wait')
    await new Promise((r) => setImmediate(r))
    t.same(writes, ['write', 'writev'], 'the other two leave together')
    await settle()
    for (const c of clients) t.same(c.frames.map((f) => f.id), sent.map((e) => e.id))
    // the next turn starts over: its first event, to one socket, is written at once
    hub.deliver(event({ kind: 'user', tenant: 'acme', user: 'u0' }))
    t.same(writes, ['write', 'writev', 'write'])
    await settle()
  })

  t.test(`pushes to one socket queue too once the turn has pushed: a burst of small rooms is written at the end of the turn (${mode})`, async (t) => {
    const { hub, clients, connections } = await usersOnBatch(t, 3, writer)
    const writes: string[] = []
    connections.forEach((c, i) => recordWrites(tcpOf(c.socket), writes, `u${i} `))
    // one event per user, u2 twice: as personal channels get them under load
    const sent = ['u0', 'u1', 'u2', 'u2'].map((user) => event({ kind: 'user', tenant: 'acme', user }))
    t.same(sent.map((e) => hub.deliver(e)), [1, 1, 1, 1])
    t.same(writes, ['u0 write'], 'only the first event of the turn is written during it')
    t.ok(batch.written(), 'a flush is scheduled for the rest')
    await new Promise((r) => setImmediate(r))
    t.same(writes.slice(1).sort(), ['u1 write', 'u2 writev'], 'then one write per socket, u2\'s two frames in one')
    await settle()
    t.same(clients.map((c) => c.frames.map((f) => f.id)), [[sent[0]!.id], [sent[1]!.id], [sent[2]!.id, sent[3]!.id]], 'each got its own, in order')
  })
}

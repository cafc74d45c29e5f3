import { CLOSE_CODES } from '@switchboard/shared'
import t from 'tap'
import type { WebSocket } from 'ws'
import type { Principal } from '../../src/plugins/auth.ts'
import { Connection, type ConnectionSink } from '../../src/realtime/connection.ts'
import type { FrameWriter } from '../../src/realtime/frame-writer.ts'
import { Heartbeat } from '../../src/realtime/heartbeat.ts'
import { Hub } from '../../src/realtime/hub.ts'

const metrics = { delivered() {}, dropped() {}, sendError() {}, slowConsumer() {} }
const limits = { outboundBufferBytes: 1 << 20, messagesPerMinute: 1000, maxInvalidFrames: 10 }
const principal = (user: string, expiresAt: number | null = null): Principal => ({
  user,
  tenant: 'acme',
  roles: ['user'],
  isAdmin: false,
  isTenantAdmin: false,
  isService: false,
  expiresAt,
})

/**
 * A real hub and heartbeat over real Connections whose sockets record what
 * they are told; `reads` counts how often the heartbeat looked at each
 * connection's principal (how many connections a tick visits).
 * 1 s interval: 250 ms ticks, so 4 slices; auth timeout 10 s.
 */
function sweep() {
  const log: string[] = []
  const reads = new Map<string, number>()
  const hub = new Hub({ systemChannels: [], metrics })
  const timeouts: string[] = []
  const heartbeat = new Heartbeat(hub, { intervalMs: 1000, authTimeoutMs: 10_000, onTimeout: (kind) => void timeouts.push(kind) })
  const sink: ConnectionSink = { onSlowConsumer() {}, onSendError() {}, onDropped() {}, flushLater() {}, onClosing: (c) => hub.closing(c) }
  const connect = (id: string) => {
    const socket = {
      readyState: 1,
      bufferedAmount: 0,
      close: (code: number) => void log.push(`${id} close ${code}`),
      terminate: () => void log.push(`${id} terminate`),
    } as unknown as WebSocket
    const c = new Connection({ id, socket, ip: '127.0.0.1', userAgent: undefined, origin: undefined, limits, sink, writer: {} as FrameWriter })
    c.ping = (frame: Buffer) => void log.push(`${id} ${JSON.parse(frame.subarray(2).toString()).type}`)
    // what any walk over the connections reads of each (the sweep before indexes read all three)
    const read = () => void reads.set(id, (reads.get(id) ?? 0) + 1)
    const fields: Record<string, unknown> = { principal: null, closingState: undefined, heartbeatSlot: c.heartbeatSlot }
    for (const name of Object.keys(fields)) {
      Object.defineProperty(c, name, {
        get: () => (read(), fields[name]),
        set: (value: unknown) => void (fields[name] = value),
      })
    }
    hub.add(c)
    return c
  }
  /** `n` connections, authenticated (no expiry unless given), then one tick so the watch list settles. */
  const authed = (n: number, expiresAt: (k: number) => number | null = () => null) =>
    Array.from({ length: n }, (_, k) => {
      const c = connect(`c${k + 1}`)
      hub.setPrincipal(c, principal(`u${k + 1}`, expiresAt(k)))
      return c
    })
  const start = Date.now()
  let now = start
  /** Connections that stop answering pings; the others answer each one before the next tick. */
  const silent = new Set<string>()
  const tick = (advanceMs = 250) => {
    for (const c of hub.connections.values()) if (!silent.has(c.id)) c.alive = true
    log.length = 0
    reads.clear()
    heartbeat.tick((now += advanceMs))
    return log.slice()
  }
  return { hub, heartbeat, connect, authed, tick, reads, timeouts, silent, at: () => now, start }
}

const pinged = (log: string[]) => log.filter((l) => l.endsWith(' ping')).map((l) => l.split(' ')[0]!)

t.test('each tick pings one slice of the connections; over one interval every connection is pinged once', async (t) => {
  const { authed, tick } = sweep()
  authed(8)
  const ticks = [tick(), tick(), tick(), tick()]
  t.same(ticks.map((log) => pinged(log).length), [2, 2, 2, 2], 'a quarter of them per tick')
  t.same(ticks.flatMap(pinged).sort(), ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'], 'each once')
  const again = [tick(), tick(), tick(), tick()]
  t.same(again.map(pinged), ticks.map(pinged), 'the same slices in the same order the next interval')
})

t.test('a tick visits its slice, not every connection', async (t) => {
  const { authed, tick, reads, heartbeat } = sweep()
  authed(40, () => Date.now() + 3_600_000)
  tick()
  t.equal(heartbeat.watched, 0, 'once authenticated with a distant expiry, none is watched')
  for (let i = 0; i < 4; i++) {
    tick()
    t.equal(reads.size, 10, `tick ${i + 1} looked at 10 of the 40 connections`)
  }
})

t.test('a connection silent for its whole interval is closed with 4102 at its own slice, the others stay', async (t) => {
  const { authed, tick, hub, timeouts, silent } = sweep()
  authed(8)
  const first = [tick(), tick(), tick(), tick()]
  // everyone but c3 answers
  silent.add('c3')
  const next = [tick(), tick(), tick(), tick()]
  const closes = next.map((log) => log.filter((l) => l.includes('close')))
  t.same(closes.flat(), [`c3 close ${CLOSE_CODES.HEARTBEAT_TIMEOUT}`])
  t.equal(closes.findIndex((c) => c.length > 0), first.findIndex((log) => pinged(log).includes('c3')), 'at the tick of its own slice')
  t.equal(hub.stats.heartbeatTimeouts, 1)
  t.same(timeouts, ['heartbeat'])
  t.equal(next.flatMap(pinged).length, 7, 'the other seven pinged again')
})

t.test('an unauthenticated connection is closed with 4103 at the first tick past the auth timeout, whatever its slice', async (t) => {
  const { connect, authed, tick, at, timeouts, heartbeat } = sweep()
  authed(4)
  const late = connect('late')
  const closedAfter: number[] = []
  for (let i = 0; i < 44 && closedAfter.length === 0; i++) if (tick().includes(`late close ${CLOSE_CODES.AUTH_TIMEOUT}`)) closedAfter.push(at() - late.connectedAt)
  t.equal(closedAfter.length, 1, 'closed once')
  t.ok(closedAfter[0]! >= 10_000 && closedAfter[0]! < 10_250, `on the first tick past the 10 s deadline (${closedAfter[0]} ms)`)
  t.same(timeouts, ['auth'])
  t.equal(heartbeat.watched, 1, 'watched while it closes')
})

t.test('a connection that authenticates leaves the watch list; a closing one stays until removed', async (t) => {
  const { connect, hub, tick, heartbeat } = sweep()
  const c = connect('c1')
  t.equal(heartbeat.watched, 1, 'unauthenticated: watched')
  hub.setPrincipal(c, principal('u1'))
  tick()
  t.equal(heartbeat.watched, 0, 'authenticated without expiry: not watched')
  c.close(1000, 'bye')
  t.equal(heartbeat.watched, 1, 'closing: watched')
  tick()
  t.equal(heartbeat.watched, 1, 'still closing')
  hub.remove(c, 1000, 'bye')
  t.equal(heartbeat.watched, 0, 'removed: forgotten')
})

t.test('a peer that never finishes the close handshake is terminated after one tick and a second', async (t) => {
  const { authed, tick, at, hub } = sweep()
  const [c] = authed(4)
  tick()
  hub.disconnect({ connectionId: c!.id }, 4000, 'operator')
  const since = c!.closingState!.since
  let terminatedAfter = -1
  for (let i = 0; i < 12 && terminatedAfter < 0; i++) if (tick().includes('c1 terminate')) terminatedAfter = at() - since
  t.ok(terminatedAfter > 1250 && terminatedAfter <= 1500, `terminated ${terminatedAfter} ms after the close began`)
})

t.test('a token is closed with 4104 within a tick of its expiry, whatever its slice', async (t) => {
  const { authed, tick, at, start, timeouts, heartbeat } = sweep()
  // expiries from 1.1 s to 8.1 s: each falls between visits of its slice at least once
  const cs = authed(8, (k) => start + 1100 + k * 1000)
  tick()
  t.ok(heartbeat.watched <= 2, `only tokens due before their next visit are watched (${heartbeat.watched})`)
  const late: number[] = []
  for (let i = 0; i < 40; i++) {
    const log = tick()
    for (const c of cs) {
      if (log.includes(`${c.id} close ${CLOSE_CODES.TOKEN_EXPIRED}`)) late.push(at() - c.principal!.expiresAt!)
    }
  }
  t.equal(late.length, 8, 'every one closed once')
  t.ok(late.every((ms) => ms >= 0 && ms < 250), `closed at most one tick late: ${late.join(', ')} ms`)
  t.equal(timeouts.filter((k) => k === 'token').length, 8)
})

t.test('a refreshed token expiring sooner is watched at once', async (t) => {
  const { authed, tick, hub, at, heartbeat } = sweep()
  const [c] = authed(4)
  tick()
  t.equal(heartbeat.watched, 0)
  hub.setPrincipal(c!, principal('u1', at() + 300))
  t.equal(heartbeat.watched, 1)
  t.same(tick().filter((l) => l.includes('close')), [], 'not yet expired')
  t.same(tick().filter((l) => l.includes('close')), [`c1 close ${CLOSE_CODES.TOKEN_EXPIRED}`], 'closed at the first tick past its expiry')
})

t.test('removing connections unlinks them from their slice: head, middle and tail; the rest are still pinged', async (t) => {
  const { authed, tick, hub } = sweep()
  const cs = authed(12)
  const interval = () => [tick(), tick(), tick(), tick()].flatMap(pinged).sort()
  const all = interval()
  t.equal(all.length, 12)
  // c1, c5 and c9 share a slice (slots 4 apart): remove its first, middle and last member among others
  for (const id of ['c1', 'c5', 'c9', 'c2']) hub.remove(cs.find((c) => c.id === id)!, 1000, 'bye')
  t.same(interval(), all.filter((id) => !['c1', 'c5', 'c9', 'c2'].includes(id)), 'the remaining eight, once each')
  for (const c of cs.filter((c) => ['c1', 'c5', 'c9', 'c2'].includes(c.id))) t.ok(c.slotNext === undefined && c.slotPrev === undefined, `${c.id} holds no neighbour once removed`)
})

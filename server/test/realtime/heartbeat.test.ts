import { CLOSE_CODES } from '@switchboard/shared'
import t from 'tap'
import { Heartbeat } from '../../src/realtime/heartbeat.ts'
import type { Hub } from '../../src/realtime/hub.ts'

/** A connection as the sweep sees it, recording what it is told. */
function fakeConnection(slot: number, log: string[]) {
  return {
    id: `c${slot}`,
    heartbeatSlot: slot,
    alive: true,
    closing: false,
    closingState: undefined,
    connectedAt: 0,
    principal: { expiresAt: null },
    // the connection queues the application ping with a WebSocket ping (write-batch.test.ts)
    ping: (frame: Buffer) => void log.push(`c${slot} ${JSON.parse(frame.subarray(2).toString()).type}`),
    close: (code: number) => void log.push(`c${slot} close ${code}`),
    terminate: () => void log.push(`c${slot} terminate`),
  }
}

/** A heartbeat over `n` connections with slots 1..n; 1 s interval: 250 ms ticks, so 4 slices. */
function sweep(n: number) {
  const log: string[] = []
  const connections = new Map(Array.from({ length: n }, (_, k) => [`c${k + 1}`, fakeConnection(k + 1, log)]))
  const hub = { connections, stats: { heartbeatTimeouts: 0 } } as unknown as Hub
  const heartbeat = new Heartbeat(hub, { intervalMs: 1000, authTimeoutMs: 10_000, onTimeout: () => {} })
  heartbeat.start()
  heartbeat.stop() // ticks are driven by the test
  const tick = () => {
    log.length = 0
    heartbeat.tick(Date.now())
    return log.slice()
  }
  return { connections, tick, hub }
}

t.test('each tick pings one slice of the connections; over one interval every connection is pinged once', async (t) => {
  const { tick } = sweep(8)
  const ticks = [tick(), tick(), tick(), tick()]
  const pinged = ticks.map((log) => log.filter((l) => l.endsWith(' ping')).map((l) => l.split(' ')[0]))
  t.same(pinged.map((p) => p.length), [2, 2, 2, 2], 'a quarter of them per tick')
  t.same(pinged.flat().sort(), ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'], 'each once')
})

t.test('a connection silent for its whole interval is closed with 4102 at its own slice, the others stay', async (t) => {
  const { tick, connections, hub } = sweep(8)
  for (let i = 0; i < 4; i++) tick()
  // everyone but c3 answers
  for (const c of connections.values()) if (c.id !== 'c3') c.alive = true
  const next = [tick(), tick(), tick(), tick()]
  const closes = next.map((log) => log.filter((l) => l.includes('close')))
  t.same(closes.flat(), [`c3 close ${CLOSE_CODES.HEARTBEAT_TIMEOUT}`])
  t.equal(closes.findIndex((c) => c.length > 0), 3, 'at the tick of its slice (slot 3 of 4 slices)')
  t.equal(hub.stats.heartbeatTimeouts, 1)
  t.equal(next.flat().filter((l) => l.endsWith(' ping')).length, 7, 'the other seven pinged again')
})

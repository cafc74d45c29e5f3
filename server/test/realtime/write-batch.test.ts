import t from 'tap'
import WebSocket, { WebSocketServer } from 'ws'
import { Connection, type ConnectionSink } from '../../src/realtime/connection.ts'
import { type FrameWriter, textFrame } from '../../src/realtime/frame-writer.ts'
import { BUSY_GAP_MS, WriteBatch } from '../../src/realtime/write-batch.ts'
import { recordWrites, tcpOf, WRITERS } from '../helpers/tcp-writes.ts'

const limits = { outboundBufferBytes: 1 << 20, messagesPerMinute: 1000, maxInvalidFrames: 10 }

/**
 * One real ws pair: the server side wrapped in a Connection whose sink records
 * what it is told, the TCP writes of the server side counted (Writable's
 * _write/_writev), the client collecting frames and its close code.
 */
async function pair(t: { teardown(fn: () => unknown): void }, writer: () => FrameWriter, outboundBufferBytes = limits.outboundBufferBytes) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  await new Promise((r) => wss.once('listening', r))
  const port = (wss.address() as { port: number }).port
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve))
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false })
  const frames: string[] = []
  client.on('message', (data) => frames.push(String(data)))
  const pings = { n: 0 }
  client.on('ping', () => void pings.n++)
  const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)))
  await new Promise((r) => client.once('open', r))
  const socket = await accepted
  t.teardown(() => {
    client.terminate()
    wss.close()
  })
  const writes: string[] = []
  recordWrites(tcpOf(socket), writes)

  const batch = new WriteBatch()
  const told = { slow: 0, dropped: 0 }
  const sink: ConnectionSink = {
    onSlowConsumer: () => void told.slow++,
    onSendError: () => {},
    onDropped: (_c, n) => void (told.dropped += n),
    flushLater: (c) => batch.add(c),
    onClosing: () => {},
  }
  const connection = new Connection({ id: 'c1', socket, ip: '127.0.0.1', userAgent: undefined, origin: undefined, limits: { ...limits, outboundBufferBytes }, sink, writer: writer() })
  const receive = async (n: number) => {
    for (let i = 0; i < 200 && frames.length < n; i++) await new Promise((r) => setTimeout(r, 5))
    return frames
  }
  return { connection, writes, told, frames, pings, receive, closed }
}

const turn = () => new Promise((r) => setImmediate(r))

for (const [mode, writer] of WRITERS) {
  t.test(`frames queued in one turn leave together at its end, in one write, in order (${mode})`, async (t) => {
    const p = await pair(t, writer)
    for (const n of [1, 2, 3]) t.equal(p.connection.sendFrame(textFrame(`{"n":${n}}`), true), true)
    t.same(p.writes, [], 'nothing written during the turn')
    t.equal(p.connection.messagesOut, 3)
    await turn()
    t.same(p.writes, ['writev'], 'one write for the three')
    t.same(await p.receive(3), ['{"n":1}', '{"n":2}', '{"n":3}'])
    // a lone frame in a later turn is a plain write
    p.connection.sendFrame(textFrame('{"n":4}'), true)
    await turn()
    t.same(p.writes, ['writev', 'write'])
    t.same(await p.receive(4), ['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}'])
  })

  t.test(`a reply never overtakes pushes queued before it (${mode})`, async (t) => {
    const p = await pair(t, writer)
    p.connection.sendFrame(textFrame('{"type":"push","n":1}'), true)
    p.connection.sendFrame(textFrame('{"type":"push","n":2}'), true)
    p.connection.send({ type: 'pong', ts: 1 })
    t.same(await p.receive(3), ['{"type":"push","n":1}', '{"type":"push","n":2}', '{"type":"pong","ts":1}'])
    await turn()
    t.equal(p.frames.length, 3, 'nothing is written twice by the end-of-turn flush')
  })

  t.test(`closing writes the queued frames before the close frame (${mode})`, async (t) => {
    const p = await pair(t, writer)
    p.connection.sendFrame(textFrame('{"n":1}'), true)
    p.connection.close(4000, 'bye')
    t.equal(await p.closed, 4000)
    t.same(p.frames, ['{"n":1}'])
    t.equal(p.told.dropped, 0)
  })

  t.test(`frames queued for a connection terminated in the same turn are counted as dropped (${mode})`, async (t) => {
    const p = await pair(t, writer)
    p.connection.sendFrame(textFrame('{"n":1}'), true)
    p.connection.sendFrame(textFrame('{"n":2}'), true)
    p.connection.terminate()
    await turn()
    t.equal(p.told.dropped, 2, 'the sink is told how many')
    t.equal(p.connection.messagesOut, 0, 'they are not counted as sent')
    t.same(p.writes, [])
  })

  t.test(`a heartbeat: the application ping and a WebSocket ping leave in one write, as one message (${mode})`, async (t) => {
    const p = await pair(t, writer)
    p.connection.ping(textFrame('{"type":"ping","ts":1}'))
    t.same(p.writes, [], 'queued for the end of the turn')
    t.equal(p.connection.messagesOut, 1, 'the WebSocket ping is not a message')
    await turn()
    t.same(p.writes, ['writev'], 'one write for both')
    t.same(await p.receive(1), ['{"type":"ping","ts":1}'])
    for (let i = 0; i < 100 && p.pings.n === 0; i++) await new Promise((r) => setTimeout(r, 5))
    t.equal(p.pings.n, 1, 'the client got a WebSocket ping')
  })

  t.test(`a heartbeat queued for a connection terminated in the same turn is one dropped message (${mode})`, async (t) => {
    const p = await pair(t, writer)
    p.connection.ping(textFrame('{"type":"ping","ts":1}'))
    p.connection.terminate()
    await turn()
    t.equal(p.told.dropped, 1)
    t.equal(p.connection.messagesOut, 0)
  })

  t.test(`queued bytes count towards the outbound limit (${mode})`, async (t) => {
    const frame = textFrame(JSON.stringify({ pad: 'x'.repeat(400) }))
    const p = await pair(t, writer, frame.length * 2 + 10)
    t.equal(p.connection.sendFrame(frame, true), true)
    t.equal(p.connection.sendFrame(frame, true), true)
    t.equal(p.connection.sendFrame(frame, true), false, 'the third would pass the limit before anything is written')
    t.equal(p.told.slow, 1)
  })

  t.test(`a queue reaching 64 KB is written at once, so a long replay does not wait for the end of the turn (${mode})`, async (t) => {
    const p = await pair(t, writer)
    const frame = textFrame(JSON.stringify({ pad: 'x'.repeat(20_000) }))
    for (let i = 0; i < 3; i++) p.connection.sendFrame(frame, true)
    t.same(p.writes, [], 'under 64 KB: queued')
    p.connection.sendFrame(frame, true)
    t.same(p.writes, ['writev'], 'the fourth takes it past 64 KB: written')
    await turn()
    t.same(p.writes, ['writev'], 'nothing left for the end of the turn')
    t.equal((await p.receive(4)).length, 4)
  })

  t.test(`without queue, a frame is written at once unless frames are already queued (${mode})`, async (t) => {
    const p = await pair(t, writer)
    p.connection.sendFrame(textFrame('{"n":1}'))
    t.same(p.writes, ['write'], 'written at once')
    p.connection.sendFrame(textFrame('{"n":2}'), true)
    p.connection.sendFrame(textFrame('{"n":3}'))
    t.same(p.writes, ['write'], 'the third waits behind the queued second')
    await turn()
    t.same(p.writes, ['write', 'writev'])
    t.same(await p.receive(3), ['{"n":1}', '{"n":2}', '{"n":3}'])
  })
}

t.test('written() settles after the turn\'s frames are written, and is undefined when none wait', async (t) => {
  const batch = new WriteBatch()
  t.equal(batch.written(), undefined, 'nothing queued')
  const order: string[] = []
  batch.add({ flushPending: () => void order.push('flushed') })
  const written = batch.written()!
  t.equal(batch.written(), written, 'one promise per turn')
  await written.then(() => order.push('answered'))
  t.same(order, ['flushed', 'answered'])
  t.equal(batch.written(), undefined, 'settled with the flush')
})


t.test('the first push of a turn is written at once, the later ones queue, and the next turn starts over', async (t) => {
  // an idle server: each reading of the clock is 5 ms after the last
  let now = 0
  const batch = new WriteBatch(() => (now += 5))
  t.same([batch.queuePush(), batch.queuePush(), batch.queuePush()], [false, true, true])
  t.not(batch.written(), undefined, 'the turn ends with a flush')
  await turn()
  t.equal(batch.queuePush(), false, 'a new turn')
})

t.test('a turn whose first push comes within BUSY_GAP_MS of the last flush finds the server busy: that push queues too', async (t) => {
  let now = 100
  const batch = new WriteBatch(() => now)
  t.equal(batch.queuePush(), false, 'nothing flushed yet: written at once')
  await turn() // the flush ends at 100
  now = 100 + BUSY_GAP_MS / 2
  t.same([batch.queuePush(), batch.queuePush()], [true, true], 'busy: every push of the turn queues, the first too')
  await turn() // ends at 100.5
  now = 100.5 + BUSY_GAP_MS
  t.equal(batch.queuePush(), false, 'the loop waited for I/O in between: written at once again')
  await turn()
  // a flush made for other frames (a replay, the heartbeat sweep) counts too
  now += 10
  batch.add({ flushPending() {} })
  await turn()
  now += BUSY_GAP_MS / 4
  t.equal(batch.queuePush(), true)
})

import t from 'tap'
import type { WebSocket } from 'ws'
import { Connection, type ConnectionSink } from '../../src/realtime/connection.ts'
import type { FrameWriter } from '../../src/realtime/frame-writer.ts'

// The connection keeps its times as offsets from server start (small integers,
// no heap number per field); callers see and set epoch ms.
const sink: ConnectionSink = { onSlowConsumer() {}, onSendError() {}, onDropped() {}, flushLater() {}, onClosing() {} }
const connection = (messagesPerMinute = 3) =>
  new Connection({
    id: 'c1',
    socket: { readyState: 1, bufferedAmount: 0 } as unknown as WebSocket,
    ip: '127.0.0.1',
    userAgent: undefined,
    origin: undefined,
    limits: { outboundBufferBytes: 1 << 20, messagesPerMinute, maxInvalidFrames: 10 },
    sink,
    writer: {} as FrameWriter,
  })

t.test('times read back as the epoch ms they were set to', async (t) => {
  const before = Date.now()
  const c = connection()
  const after = Date.now()
  t.ok(c.connectedAt >= before && c.connectedAt <= after, 'connectedAt is the wall clock at construction')
  t.equal(c.authenticatedAt, undefined, 'not authenticated yet')
  t.equal(c.lastPongAt, undefined, 'no pong yet')
  const at = Date.UTC(2026, 11, 7, 12, 0, 0, 123)
  c.authenticatedAt = at
  c.lastPongAt = at + 5
  t.equal(c.authenticatedAt, at)
  t.equal(c.lastPongAt, at + 5)
  t.equal(new Date(c.authenticatedAt!).toISOString(), '2026-12-07T12:00:00.123Z')
  c.lastPongAt = undefined
  t.equal(c.lastPongAt, undefined, 'cleared')
  // past the range of a small integer (12 days of uptime, and 24 for an int32) the offset stays a double
  for (const days of [13, 25, 400]) {
    const later = Date.now() + days * 86_400_000
    c.lastPongAt = later
    t.equal(c.lastPongAt, later, `${days} days after start`)
  }
})

t.test('the rate window opens on the first frame and resets a minute later', async (t) => {
  const c = connection(3)
  const now = Date.now()
  t.same([1, 2, 3, 4].map(() => c.takeRateToken(now)), [true, true, true, false], 'three per minute, the fourth refused')
  t.equal(c.takeRateToken(now + 59_999), false, 'still the same window')
  t.equal(c.takeRateToken(now + 60_000), true, 'a new window a minute after the first frame')
  t.same([1, 2].map(() => c.takeRateToken(now + 60_001)), [true, true])
  t.equal(c.takeRateToken(now + 60_002), false)
})

import { once } from 'node:events'
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { type NativeReceiver, buildNativeReceiver, loadNativeReceiver } from '../../bench/loadgen/native-receiver.ts'
import { nowMs } from '../../bench/loadgen/payload.ts'

// The load generator's epoll receiver, driven over real TCP sockets: a plain
// net server writes WebSocket frames byte by byte as a server would (split
// across writes, fragmented, with control frames between fragments), and the
// receiver must count the probe-marked events, sample their latency and hand
// every other frame and every close back to JavaScript.

type Note = { index: number; gen: number; opcode: number; payload: Buffer | number }

function frame(opcode: number, payload: Buffer | string, fin = true): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload)
  const head = body.length < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, body.length]) : Buffer.from([(fin ? 0x80 : 0) | opcode, 126, body.length >> 8, body.length & 0xff])
  return Buffer.concat([head, body])
}

const event = (sentAt = nowMs(), pad = 10) => `{"type":"e","data":{"reason":"@@t=${sentAt.toFixed(3)};1;${'x'.repeat(pad)}"}}`

const built = buildNativeReceiver()
if (!('path' in built)) throw new Error(`the native receiver must build on this machine: ${built.error}`)
const native: NativeReceiver = loadNativeReceiver(built.path)

/** A server and `n` client sockets handed to the receiver (client k is index k, generation k + 1). */
async function setup(t: Test, n: number) {
  const peers: Socket[] = []
  const server: Server = createServer((s) => peers.push(s))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const notes: Note[] = []
  native.start(n, nowMs(), (index, gen, opcode, payload) => notes.push({ index, gen, opcode, payload }))
  native.reset(1)
  const clients: Socket[] = []
  for (let k = 0; k < n; k++) {
    const c = connect((server.address() as AddressInfo).port, '127.0.0.1')
    await once(c, 'connect')
    clients.push(c)
  }
  while (peers.length < n) await sleep(5)
  for (let k = 0; k < n; k++) {
    const handle = (clients[k] as unknown as { _handle: { fd: number; readStop(): number } })._handle
    clients[k]!._read = () => {}
    handle.readStop()
    native.add(k, handle.fd, k + 1)
  }
  t.teardown(async () => {
    for (let k = 0; k < n; k++) {
      native.remove(k)
      clients[k]!.destroy()
    }
    native.stop()
    for (const p of peers) p.destroy()
    server.close()
  })
  return { peers, notes, clients }
}

async function until(what: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out')
    await sleep(5)
  }
}

function countsOf(n: number): Int32Array {
  const c = new Int32Array(n)
  native.read(c, false)
  return c
}

t.test('counts probe-marked events per client, whole, split across writes and fragmented', async (t) => {
  const { peers, notes } = await setup(t, 2)
  peers[0]!.write(frame(1, event()))
  // one frame in three writes: header byte, rest of header, payload
  const split = frame(1, event(nowMs(), 300))
  peers[0]!.write(split.subarray(0, 1))
  await sleep(20)
  peers[0]!.write(split.subarray(1, 4))
  await sleep(20)
  peers[0]!.write(split.subarray(4))
  // a fragmented event with a ping between its fragments; the mark straddles them
  const text = event()
  const cut = text.indexOf('@@t=') + 2
  peers[1]!.write(Buffer.concat([frame(1, text.slice(0, cut), false), frame(9, 'hb'), frame(0, text.slice(cut), true)]))
  // two events in one write
  peers[1]!.write(Buffer.concat([frame(1, event()), frame(2, event())]))
  await until(() => native.read(new Int32Array(0), false).received === 5)
  t.same([...countsOf(2)], [2, 3])
  await until(() => notes.length === 1)
  t.same(notes.map((n) => [n.index, n.gen, n.opcode, String(n.payload)]), [[1, 2, 9, 'hb']])
  const { samples, other } = native.read(new Int32Array(0), true)
  t.equal(other, 0)
  t.equal(samples!.length, 5, 'every event sampled at sampleEvery 1')
  for (const s of samples!) t.ok(s >= 0 && s < 2_000, `latency ${s} ms is plausible`)
})

t.test('frames that are not events go to JavaScript; counts add into the array given', async (t) => {
  const { peers, notes } = await setup(t, 1)
  peers[0]!.write(Buffer.concat([frame(1, '{"type":"ping","ts":1}'), frame(1, event()), frame(2, Buffer.from([1, 2, 3]))]))
  await until(() => notes.length === 2)
  t.same(
    notes.map((n) => [n.opcode, Buffer.from(n.payload as Buffer).toString('hex')]),
    [
      [1, Buffer.from('{"type":"ping","ts":1}').toString('hex')],
      [2, '010203'],
    ],
  )
  const counts = new Int32Array([10])
  t.same(native.read(counts, false), { received: 1, other: 2 })
  t.equal(counts[0], 11)
  native.reset(0)
  t.same([...countsOf(1)], [0], 'reset zeroes the counts')
})

t.test('a close frame, an EOF and a masked frame each end the client with its code', async (t) => {
  const { peers, notes } = await setup(t, 3)
  peers[0]!.write(frame(8, Buffer.from([0x03, 0xf0, 0x61])))
  peers[1]!.end()
  peers[2]!.write(Buffer.from([0x81, 0x80 | 2, 0, 0, 0, 0, 0x61, 0x62]))
  await until(() => notes.length === 3)
  const byIndex = notes.slice().sort((a, b) => a.index - b.index)
  t.same(
    byIndex.map((n) => [n.index, n.gen, n.opcode, n.payload]),
    [
      [0, 1, -1, 1008],
      [1, 2, -1, 1006],
      [2, 3, -1, 1002],
    ],
  )
  // nothing more is read from a finished client
  peers[0]!.write(frame(1, event()))
  await sleep(50)
  t.same([...countsOf(3)], [0, 0, 0])
})

t.test('a paused client is not read until resumed; the kernel buffers what the server sent', async (t) => {
  const { peers } = await setup(t, 2)
  native.pause(0)
  peers[0]!.write(frame(1, event()))
  peers[1]!.write(frame(1, event()))
  await until(() => countsOf(2)[1] === 1)
  await sleep(50)
  t.equal(countsOf(2)[0], 0, 'paused client read nothing')
  native.resume(0)
  await until(() => countsOf(2)[0] === 1)
  t.pass('resumed client read the buffered event')
})

t.test('a removed client is no longer read, and its socket can be read by Node again', async (t) => {
  const { peers, clients, notes } = await setup(t, 1)
  native.remove(0)
  const handle = (clients[0] as unknown as { _handle: { readStart(): number } })._handle
  const got: Buffer[] = []
  clients[0]!.on('data', (b) => got.push(b))
  delete (clients[0] as unknown as { _read?: unknown })._read
  handle.readStart()
  peers[0]!.write(frame(1, event()))
  await until(() => got.length > 0)
  t.equal(countsOf(1)[0], 0)
  t.equal(notes.length, 0)
})

import { once } from 'node:events'
import { createServer } from 'node:http'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import WebSocket, { WebSocketServer } from 'ws'
import { loadDirectWrite } from '../../src/native/direct-write.ts'
import { FrameWriter, textFrame } from '../../src/realtime/frame-writer.ts'
import { RawClient } from '../helpers/raw-client.ts'
import { publish, startServer } from '../helpers/server.ts'
import { directWriteAddon, recordWrites, tcpOf } from '../helpers/tcp-writes.ts'

const addon = directWriteAddon()

/** A ws pair on loopback: the server's side, its client, the text frames the client got. */
async function pair(t: { teardown(fn: () => unknown): void }) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  await once(wss, 'listening')
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>
  const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`
  const client = new WebSocket(url, { perMessageDeflate: false })
  const received: string[] = []
  client.on('message', (data) => received.push(String(data)))
  await once(client, 'open')
  const [server] = await accepted
  t.teardown(() => {
    client.terminate()
    wss.close()
  })
  const until = async (n: number) => {
    for (let i = 0; i < 400 && received.length < n; i++) await new Promise((r) => setTimeout(r, 5))
    return received
  }
  return { server, client, received, until, wss, url }
}

const fdOf = (socket: unknown) => (tcpOf(socket) as unknown as { _handle: { fd: number } | null })._handle?.fd

t.test('with nothing queued a frame goes to the kernel in one call, not through the stream', async (t) => {
  const p = await pair(t)
  const writer = new FrameWriter(addon)
  const streamWrites: string[] = []
  recordWrites(tcpOf(p.server), streamWrites)
  const texts = ['{"n":1}', '{"n":2}', 'é€'.repeat(40)]
  const taken = [...texts.slice(0, 2).map((text) => writer.frame(p.server, textFrame(text))), writer.frames(p.server, [textFrame(texts[2]!)]), writer.ownText(p.server, '{"reply":true}')]
  t.same(taken, [true, true, true, true], 'each write says the kernel took it whole (nothing left buffered)')
  t.same(await p.until(4), [...texts, '{"reply":true}'], 'intact and in order')
  t.same(writer.counts, { direct: 4, partial: 0, stream: 0 })
  t.same(streamWrites, [], 'the stream wrote nothing')
})

t.test('a frame never overtakes bytes waiting in the stream (corked, or queued behind a full buffer)', async (t) => {
  const p = await pair(t)
  const writer = new FrameWriter(addon)
  const tcp = tcpOf(p.server)
  tcp.cork()
  tcp.write(textFrame('first'))
  writer.frame(p.server, textFrame('second'))
  tcp.uncork()
  t.same(await p.until(2), ['first', 'second'])
  t.same(writer.counts, { direct: 0, partial: 0, stream: 1 }, 'written through the stream, behind the corked frame')
})

t.test("what the kernel's full buffer does not take goes through the stream: in order, intact, counted as buffered", async (t) => {
  const p = await pair(t)
  const writer = new FrameWriter(addon)
  // the client stops reading: the server's send buffer and the client's receive buffer fill up
  tcpOf(p.client).pause()
  const frame = (i: number) => textFrame(JSON.stringify({ i, pad: String(i % 10).repeat(16_000) }))
  let sent = 0
  const wrongAnswers: number[] = []
  while (p.server.bufferedAmount === 0 && sent < 2_000) {
    const whole = writer.frame(p.server, frame(sent++))
    if (whole !== (p.server.bufferedAmount === 0)) wrongAnswers.push(sent - 1)
  }
  t.ok(p.server.bufferedAmount > 0, `the stream holds what the kernel did not take (after ${sent} frames of 16 KB)`)
  t.same(wrongAnswers, [], 'a write says it was taken whole exactly when nothing is left buffered')
  t.ok(writer.counts.partial + writer.counts.stream >= 1, 'the last write went (partly) to the stream')
  const streamBefore = writer.counts.stream
  for (let i = 0; i < 3; i++) t.equal(writer.frame(p.server, frame(sent++)), false, 'not taken whole: queued on the stream')
  t.equal(writer.counts.stream, streamBefore + 3, 'with bytes queued, every later frame goes through the stream')
  tcpOf(p.client).resume()
  const got = await p.until(sent)
  t.equal(got.length, sent, 'every frame arrives')
  const bad = got.findIndex((text, i) => {
    const f = JSON.parse(text) as { i: number; pad: string }
    return f.i !== i || f.pad !== String(i % 10).repeat(16_000)
  })
  t.equal(bad, -1, 'in order and intact across the direct, partial and stream writes')
})

t.test('several frames in one sendmsg: what the kernel does not take goes through the stream, from the exact byte', async (t) => {
  const p = await pair(t)
  const writer = new FrameWriter(addon)
  tcpOf(p.client).pause()
  const frame = (i: number) => textFrame(JSON.stringify({ i, pad: String(i % 10).repeat(5_000 + (i % 7) * 1_000) }))
  let sent = 0
  let wrongAnswers = 0
  while (p.server.bufferedAmount === 0 && sent < 6_000) {
    if (writer.frames(p.server, [frame(sent), frame(sent + 1), frame(sent + 2)]) !== (p.server.bufferedAmount === 0)) wrongAnswers++
    sent += 3
  }
  t.equal(wrongAnswers, 0, 'a batch says it was taken whole exactly when nothing is left buffered')
  t.ok(p.server.bufferedAmount > 0, `the stream holds the rest (after ${sent / 3} batches)`)
  t.ok(writer.counts.direct >= 1, 'the first batches went whole')
  t.ok(writer.counts.partial + writer.counts.stream >= 1, 'the last one partly or not at all')
  tcpOf(p.client).resume()
  const got = await p.until(sent)
  t.equal(got.length, sent, 'every frame arrives')
  t.equal(
    got.findIndex((text, i) => text !== frame(i).subarray(frame(i).length - Buffer.byteLength(text)).toString()),
    -1,
    'in order and intact',
  )
})

t.test('a destroyed socket is never written through its old descriptor, which another socket may now hold', async (t) => {
  const p = await pair(t)
  const elsewhere = await pair(t)
  const writer = new FrameWriter(addon)
  const oldFd = fdOf(p.server)
  t.type(oldFd, 'number')
  writer.frame(p.server, textFrame('{"n":1}'))
  t.same(await p.until(1), ['{"n":1}'], 'written directly while open')
  tcpOf(p.server).destroy()
  // descriptors are reused lowest first: the next socket opened takes the old one
  const accepted = once(elsewhere.wss, 'connection') as Promise<[WebSocket]>
  const client = new WebSocket(elsewhere.url, { perMessageDeflate: false })
  const clientGot: string[] = []
  client.on('message', (d) => clientGot.push(String(d)))
  t.teardown(() => client.terminate())
  await once(client, 'open')
  const [server] = await accepted
  t.ok([fdOf(client), fdOf(server)].includes(oldFd), 'the old descriptor belongs to a new connection')
  const serverGot: string[] = []
  server.on('message', (d) => serverGot.push(String(d)))
  writer.frame(p.server, textFrame('{"for":"the old socket"}'))
  await new Promise((r) => setTimeout(r, 100))
  t.same(writer.counts, { direct: 1, partial: 0, stream: 1 }, 'not written directly')
  t.same([clientGot, serverGot], [[], []], 'neither side of the new connection got anything')
  t.equal(server.readyState, WebSocket.OPEN, 'and it is still open')
})

t.test('a peer that reset: the kernel refuses the write, the stream reports the broken connection, nothing throws', async (t) => {
  const p = await pair(t)
  const results: number[] = []
  const writer = new FrameWriter({ ...addon, write: (fd, f) => (results.push(addon.write(fd, f)), results.at(-1)!) })
  const closed = once(p.server, 'close')
  const errors: Error[] = []
  tcpOf(p.server).on('error', (e) => errors.push(e))
  // on loopback the RST is in the server's socket at once; its read callback has not run yet
  tcpOf(p.client).resetAndDestroy()
  t.doesNotThrow(() => writer.frame(p.server, textFrame('{"n":1}')))
  t.equal(results.length, 1, 'the direct write was tried (the socket was still open here)')
  t.ok(results[0]! < 0, `the kernel refused it (${results[0]}: -EPIPE or -ECONNRESET)`)
  t.same(writer.counts, { direct: 0, partial: 0, stream: 1 }, 'handed to the stream')
  await closed
  t.ok(errors.length >= 1, `the stream reported it: ${errors.map((e) => (e as NodeJS.ErrnoException).code).join(', ')}`)
})

t.test('a socket that is not plain TCP (a Unix socket here; TLS likewise) is always written through the stream', async (t) => {
  const socketPath = path.join(tmpdir(), `sb-direct-${process.pid}.sock`)
  const http = createServer()
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false })
  http.listen(socketPath)
  await once(http, 'listening')
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>
  const client = new WebSocket(`ws+unix://${socketPath}:/`)
  const received: string[] = []
  client.on('message', (d) => received.push(String(d)))
  const [server] = await accepted
  t.teardown(() => {
    client.terminate()
    wss.close()
    http.close()
  })
  const writer = new FrameWriter(addon)
  writer.frame(server, textFrame('{"over":"unix"}'))
  for (let i = 0; i < 200 && received.length < 1; i++) await new Promise((r) => setTimeout(r, 5))
  t.same(received, ['{"over":"unix"}'])
  t.same(writer.counts, { direct: 0, partial: 0, stream: 1 })
})

async function deliveredTo(t: Test, env: Record<string, string>) {
  const s = await startServer(t, env)
  const clients = await Promise.all(['a', 'b', 'c'].map((sub) => RawClient.authed(s.ws, s.token({ sub, tenant: 'acme' }))))
  const res = await publish(s, s.token({ sub: 'svc', tenant: 'acme', roles: ['service'] }), { type: 'system_event', tenant: 'acme', data: { level: 'info', message: 'hi' } })
  t.equal(res.status, 200)
  for (const c of clients) t.equal((await c.next('system_event')).data.message, 'hi')
  for (const c of clients) c.close()
  const metrics = await (await fetch(`${s.http}/metrics`)).text()
  const count = (p: string) => Number(new RegExp(`^switchboard_socket_writes_total\\{path="${p}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? NaN)
  return { direct: count('direct'), stream: count('stream') }
}

t.test('the server writes directly by default, and /metrics counts the writes by path', async (t) => {
  const on = await deliveredTo(t, {})
  // welcome and auth_success leave with the 101 (corked: through the stream); the push goes direct
  t.ok(on.direct >= 3, `direct writes counted (${on.direct})`)
  t.ok(on.stream >= 3, `stream writes counted (${on.stream})`)
})

t.test('DIRECT_SOCKET_WRITES=false: every write through the stream, none counted', async (t) => {
  const off = await deliveredTo(t, { DIRECT_SOCKET_WRITES: 'false' })
  t.same(off, { direct: NaN, stream: NaN }, 'no write path counted')
})

t.test('an addon that is missing or does not load is a reason, not a crash: the server writes through streams', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-addon-'))
  const missing = loadDirectWrite(path.join(dir, 'direct-write.node'))
  t.match(missing, { reason: /not built \(npm run build:native\)/ })
  const garbage = path.join(dir, 'garbage.node')
  writeFileSync(garbage, 'not a shared object')
  t.match(loadDirectWrite(garbage), { reason: /does not load/ })
  t.ok('addon' in loadDirectWrite(), 'the built one loads')
})

import t from 'tap'
import WebSocket, { WebSocketServer } from 'ws'
import { textFrame, writeOwnText, writeText } from '../../src/realtime/frame-writer.ts'

t.test('one pre-framed text frame, memoised on the payload, reaches every socket intact', async (t) => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  t.teardown(() => wss.close())
  await new Promise((r) => wss.once('listening', r))
  const port = (wss.address() as { port: number }).port
  const small = Buffer.from('{"type":"x","n":1}')
  const large = Buffer.from(JSON.stringify({ type: 'y', pad: 'z'.repeat(70_000) })) // needs the 64-bit length header
  const received: Array<Array<{ binary: boolean; text: string }>> = [[], []]
  const clients = received.map((box) => {
    const c = new WebSocket(`ws://127.0.0.1:${port}`)
    c.on('message', (d, binary) => box.push({ binary, text: String(d) }))
    return c
  })
  let connected = 0
  await new Promise<void>((resolve) =>
    wss.on('connection', (socket) => {
      writeText(socket, small)
      writeText(socket, large)
      if (++connected === clients.length) resolve()
    }),
  )
  while (received.some((box) => box.length < 2)) await new Promise((r) => setTimeout(r, 10))
  for (const box of received) {
    t.same(box.map((m) => m.binary), [false, false], 'text frames')
    t.equal(box[0]!.text, small.toString())
    t.equal(box[1]!.text, large.toString())
  }
  t.equal(Object.getOwnPropertySymbols(small).length, 1, 'the frame was built once and kept on the payload')
  for (const c of clients) c.close()
})

t.test('a frame of its own: every header size, multi-byte text, intact at a real client', async (t) => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  t.teardown(() => wss.close())
  await new Promise((r) => wss.once('listening', r))
  const port = (wss.address() as { port: number }).port
  // byte lengths around the 7-bit, 16-bit and 64-bit length encodings; 'é' is two bytes, '€' three
  const texts = ['', 'x'.repeat(125), 'x'.repeat(126), 'é'.repeat(63), 'é'.repeat(64), 'x'.repeat(65_535), 'x'.repeat(65_536), `{"t":"${'€'.repeat(30_000)}"}`]
  for (const text of texts) {
    const frame = textFrame(text)
    const payload = Buffer.byteLength(text)
    t.equal(frame.length - payload, payload < 126 ? 2 : payload < 65_536 ? 4 : 10, `header size for ${payload} bytes`)
  }
  const received: Array<{ binary: boolean; text: string }> = []
  const client = new WebSocket(`ws://127.0.0.1:${port}`)
  client.on('message', (d, binary) => received.push({ binary, text: String(d) }))
  const socket = await new Promise<WebSocket>((resolve) => wss.once('connection', resolve))
  for (const text of texts) writeOwnText(socket, text)
  while (received.length < texts.length) await new Promise((r) => setTimeout(r, 10))
  t.same(received.map((m) => m.binary), texts.map(() => false), 'text frames')
  t.same(received.map((m) => m.text), texts, 'every text arrives as written')
  client.close()
})

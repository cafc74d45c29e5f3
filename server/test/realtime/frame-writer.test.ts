import t from 'tap'
import WebSocket, { WebSocketServer } from 'ws'
import { payloadOf, textFrame, WS_PING_FRAME } from '../../src/realtime/frame-writer.ts'
import { WRITERS } from '../helpers/tcp-writes.ts'

for (const [mode, writer] of WRITERS) {
  t.test(`one frame Buffer, built once, reaches every socket intact (${mode})`, async (t) => {
    const w = writer()
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
    t.teardown(() => wss.close())
    await new Promise((r) => wss.once('listening', r))
    const port = (wss.address() as { port: number }).port
    const small = '{"type":"x","n":1}'
    const large = JSON.stringify({ type: 'y', pad: 'z'.repeat(70_000) }) // needs the 64-bit length header
    const frames = [textFrame(small), textFrame(large)]
    t.equal(payloadOf(frames[0]!).toString(), small, 'payloadOf undoes textFrame (7-bit length)')
    t.equal(payloadOf(frames[1]!).toString(), large, 'payloadOf undoes textFrame (64-bit length)')
    const received: Array<Array<{ binary: boolean; text: string }>> = [[], []]
    const clients = received.map((box) => {
      const c = new WebSocket(`ws://127.0.0.1:${port}`)
      c.on('message', (d, binary) => box.push({ binary, text: String(d) }))
      return c
    })
    let connected = 0
    await new Promise<void>((resolve) =>
      wss.on('connection', (socket) => {
        for (const frame of frames) w.frame(socket, frame)
        if (++connected === clients.length) resolve()
      }),
    )
    while (received.some((box) => box.length < 2)) await new Promise((r) => setTimeout(r, 10))
    for (const box of received) {
      t.same(box.map((m) => m.binary), [false, false], 'text frames')
      t.equal(box[0]!.text, small)
      t.equal(box[1]!.text, large)
    }
    for (const c of clients) c.close()
  })

  t.test(`behind a busy ws Sender a frame waits its turn (sent through ws, in order) (${mode})`, async (t) => {
    const w = writer()
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
    t.teardown(() => wss.close())
    await new Promise((r) => wss.once('listening', r))
    const port = (wss.address() as { port: number }).port
    const received: string[] = []
    const client = new WebSocket(`ws://127.0.0.1:${port}`)
    client.on('message', (d) => received.push(String(d)))
    const socket = await new Promise<WebSocket>((resolve) => wss.once('connection', resolve))
    // a Blob makes ws's Sender busy until its bytes are read: what follows must queue behind it
    let pinged = 0
    client.on('ping', () => void pinged++)
    socket.send(new Blob(['first']))
    w.frame(socket, textFrame('second'))
    w.frames(socket, [textFrame('third'), WS_PING_FRAME])
    w.ownText(socket, 'fourth')
    while (received.length < 4) await new Promise((r) => setTimeout(r, 10))
    t.same(received, ['first', 'second', 'third', 'fourth'])
    t.equal(pinged, 1, 'the WebSocket ping went through ws as a ping')
    client.close()
  })

  t.test(`a frame of its own: every header size, multi-byte text, intact at a real client (${mode})`, async (t) => {
    const w = writer()
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
    for (const text of texts) w.ownText(socket, text)
    while (received.length < texts.length) await new Promise((r) => setTimeout(r, 10))
    t.same(received.map((m) => m.binary), texts.map(() => false), 'text frames')
    t.same(received.map((m) => m.text), texts, 'every text arrives as written')
    client.close()
  })
}

import t from 'tap'
import WebSocket, { WebSocketServer } from 'ws'
import { writeText } from '../../src/realtime/frame-writer.ts'

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

import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import * as wsModule from 'ws'
import WebSocket, { WebSocketServer } from 'ws'
import { verifyJwt } from '../jwt.ts'
import { BENCH_SECRET_ENV, CHANNEL_RE, answerPublished, readPublish } from './envelope.ts'
import { installProbe } from './probe.ts'

/**
 * The raw `ws` contender: the minimal server that does the same job as
 * Switchboard (JWT at the upgrade, subscribe/subscribed, HTTP publish, fan-out
 * to a channel), with three broadcast loops:
 *   naive     `ws.send(JSON.stringify(env))` per recipient;
 *   buffer    serialise once, `ws.send(buffer)` per recipient;
 *   tuned     serialise once, frame once (`WebSocket.Sender.frame`), write the
 *             same frame to each recipient's socket.
 * Run as its own process (`node raw-ws-server.ts <mode>`); reports its port over IPC.
 */
type Mode = 'naive' | 'buffer' | 'tuned'
const mode = (process.argv[2] ?? 'tuned') as Mode
const secret = process.env[BENCH_SECRET_ENV] ?? ''

const channels = new Map<string, Set<WebSocket>>()
const joined = new Map<WebSocket, string[]>()

/** ws exports its frame encoder (`Sender`); @types/ws does not declare it. */
const Sender = (wsModule as unknown as {
  Sender: { frame(data: Buffer, o: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] }
}).Sender

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 65_536, clientTracking: false })

function broadcast(set: Set<WebSocket>, env: object): void {
  if (mode === 'naive') {
    for (const ws of set) if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(env))
    return
  }
  const payload = Buffer.from(JSON.stringify(env))
  if (mode === 'buffer') {
    for (const ws of set) if (ws.readyState === WebSocket.OPEN) ws.send(payload, { binary: false })
    return
  }
  const frame = Buffer.concat(Sender.frame(payload, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }))
  for (const ws of set) {
    // The pre-framed bytes go straight to the TCP socket: with compression off,
    // ws's Sender writes synchronously, so nothing can interleave with them.
    if (ws.readyState === WebSocket.OPEN) (ws as unknown as { _socket: Socket })._socket.write(frame)
  }
}

function onSubscribe(ws: WebSocket, raw: Buffer): void {
  let msg: { type?: unknown; id?: unknown; channels?: unknown }
  try {
    msg = JSON.parse(raw.toString()) as typeof msg
  } catch {
    ws.send('{"type":"error","code":"MALFORMED"}')
    return
  }
  if (msg.type === 'pong') return
  const list = msg.channels
  if (msg.type !== 'subscribe' || !Array.isArray(list) || list.length > 64 || !list.every((c) => typeof c === 'string' && CHANNEL_RE.test(c))) {
    ws.send('{"type":"error","code":"INVALID_FRAME"}')
    return
  }
  const mine = joined.get(ws)!
  for (const c of list as string[]) {
    let set = channels.get(c)
    if (!set) channels.set(c, (set = new Set()))
    set.add(ws)
    mine.push(c)
  }
  ws.send(JSON.stringify({ type: 'subscribed', id: msg.id, channels: list, denied: [] }))
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/publish') {
    res.writeHead(404).end()
    return
  }
  readPublish(req, res, secret).then(
    (env) => {
      if (!env) return
      const set = channels.get(env.channel)
      if (set) broadcast(set, env)
      answerPublished(res, env, set?.size ?? 0)
    },
    () => res.writeHead(500).end(),
  )
})

server.on('upgrade', (req, socket, head) => {
  const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? ''
  const claims = verifyJwt(token, secret)
  if (!claims) {
    socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n')
    return
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    joined.set(ws, [])
    ws.on('message', (data: Buffer) => onSubscribe(ws, data))
    ws.on('error', () => ws.terminate())
    ws.on('close', () => {
      for (const c of joined.get(ws) ?? []) {
        const set = channels.get(c)
        set?.delete(ws)
        if (set?.size === 0) channels.delete(c)
      }
      joined.delete(ws)
    })
  })
})

installProbe({
  buffered: () => {
    let n = 0
    for (const ws of joined.keys()) n += ws.bufferedAmount
    return n
  },
})

server.listen(0, '127.0.0.1', () => {
  process.send?.({ op: 'ready', port: (server.address() as AddressInfo).port })
})

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server } from 'socket.io'
import { verifyJwt } from '../jwt.ts'
import { BENCH_SECRET_ENV, CHANNEL_RE, answerPublished, readPublish } from './envelope.ts'
import { installProbe } from './probe.ts'

/**
 * The Socket.IO 4 contender: JWT in the handshake `auth`, `subscribe` with an
 * ack joining rooms, HTTP publish broadcasting with `io.to(room).emit()` (the
 * adapter encodes each packet once per broadcast). WebSocket transport only,
 * no compression: Socket.IO at its fastest.
 */
const secret = process.env[BENCH_SECRET_ENV] ?? ''

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/publish') {
    if (!req.url?.startsWith('/socket.io/')) res.writeHead(404).end()
    return
  }
  readPublish(req, res, secret).then(
    (env) => {
      if (!env) return
      io.to(env.channel).emit(env.type, env)
      answerPublished(res, env, io.sockets.adapter.rooms.get(env.channel)?.size ?? 0)
    },
    () => res.writeHead(500).end(),
  )
})

const io = new Server(server, {
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  serveClient: false,
  maxHttpBufferSize: 65_536,
})

io.use((socket, next) => {
  const token = (socket.handshake.auth as { token?: unknown }).token
  const claims = typeof token === 'string' ? verifyJwt(token, secret) : undefined
  if (!claims) return next(new Error('unauthorized'))
  socket.data.user = claims.sub
  next()
})

io.on('connection', (socket) => {
  socket.on('subscribe', (msg: { channels?: unknown }, ack?: (reply: unknown) => void) => {
    const list = msg?.channels
    if (!Array.isArray(list) || list.length > 64 || !list.every((c) => typeof c === 'string' && CHANNEL_RE.test(c))) {
      ack?.({ error: 'INVALID_FRAME' })
      return
    }
    socket.join(list as string[])
    ack?.({ channels: list, denied: [] })
  })
})

// No `buffered` hook: Engine.IO queues packets in its own writeBuffer as well as
// in ws, so a byte count from ws alone would understate what it holds.
installProbe()

server.listen(0, '127.0.0.1', () => {
  process.send?.({ op: 'ready', port: (server.address() as AddressInfo).port })
})

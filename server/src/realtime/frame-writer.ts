import type { WebSocket } from 'ws'
import * as wsModule from 'ws'

/**
 * Writes one pre-framed WebSocket text frame to many sockets. ws frames every
 * `send` anew (header buffer, option objects); for a broadcast the frame is
 * the same for every recipient, so it is built once and memoised on the
 * payload Buffer itself (header and payload in one Buffer), and each socket
 * gets a single write.
 *
 * This reaches into ws's Sender (`_sender.sendFrame`, `_state`): safe only
 * while permessage-deflate is off (it is, see plugins/realtime.ts) and the
 * sender is idle; otherwise it falls back to the public `send`.
 */
const FRAMED = Symbol('switchboard.framed')
const TEXT = { binary: false } as const
const FRAME_OPTIONS = { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }
const SENDER_DEFAULT_STATE = 0

type Framed = Buffer & { [FRAMED]?: Buffer[] }

interface SenderInternals {
  _state?: number
  sendFrame?(list: Buffer[], cb?: () => void): void
}

// ws's ESM entry exports its Sender; @types/ws does not declare it
const frameOf = (wsModule as unknown as { Sender: { frame(data: Buffer, options: typeof FRAME_OPTIONS): Buffer[] } }).Sender.frame

export function writeText(socket: WebSocket, bytes: Buffer): void {
  const sender = (socket as unknown as { _sender?: SenderInternals })._sender
  if (sender?.sendFrame === undefined || sender._state !== SENDER_DEFAULT_STATE) {
    socket.send(bytes, TEXT)
    return
  }
  const framed = bytes as Framed
  // header and payload joined once per broadcast: one socket write per recipient instead of two
  const list = (framed[FRAMED] ??= [Buffer.concat(frameOf(bytes, FRAME_OPTIONS))])
  sender.sendFrame(list)
}

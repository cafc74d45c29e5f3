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

const idleSender = (socket: WebSocket): SenderInternals | undefined => {
  const sender = (socket as unknown as { _sender?: SenderInternals })._sender
  return sender?.sendFrame !== undefined && sender._state === SENDER_DEFAULT_STATE ? sender : undefined
}

/** Writes one broadcast payload; its frame is built on first use and kept for the other recipients. */
export function writeText(socket: WebSocket, bytes: Buffer): void {
  const sender = idleSender(socket)
  if (sender === undefined) {
    socket.send(bytes, TEXT)
    return
  }
  const framed = bytes as Framed
  // header and payload joined once per broadcast: one socket write per recipient instead of two
  const list = (framed[FRAMED] ??= [Buffer.concat(frameOf(bytes, FRAME_OPTIONS))])
  sender.sendFrame!(list)
}

/**
 * Writes a frame meant for this socket only (replies, welcome): the JSON text
 * goes straight into one Buffer behind its header, with no intermediate payload
 * Buffer and nothing memoised.
 */
export function writeOwnText(socket: WebSocket, text: string): void {
  const sender = idleSender(socket)
  if (sender === undefined) socket.send(text, TEXT)
  else sender.sendFrame!([textFrame(text)])
}

/** A complete unmasked, unfragmented text frame (RFC 6455 §5.2) holding `text`. */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text)
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(header + length)
  frame[0] = 0x81 // FIN + opcode 1 (text)
  if (header === 2) frame[1] = length
  else if (header === 4) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2)
    frame.writeUInt32BE(length >>> 0, 6)
  }
  frame.write(text, header, 'utf8')
  return frame
}

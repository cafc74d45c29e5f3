import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'

/**
 * Outgoing frames are built by Switchboard, not by ws: a frame is a complete
 * unmasked WebSocket text frame (header + UTF-8 payload) in one Buffer. A
 * broadcast builds its frame once and writes that same Buffer to every
 * recipient (what a hand-tuned raw ws server does), the frames one socket gets
 * in one event-loop turn in one write (write-batch.ts); replies are written
 * straight into their frame with no intermediate payload.
 *
 * Writing to the TCP socket directly is what ws's own Sender does for an
 * unfragmented frame when it is idle; this checks that it is (`_state`), since
 * a busy Sender has frames queued that must go first. permessage-deflate is off
 * (plugins/realtime.ts), so frames are never compressed. A busy or unknown
 * Sender gets the payload through the public `send`.
 */
const TEXT = { binary: false } as const
const SENDER_DEFAULT_STATE = 0

interface WsInternals {
  _socket?: Socket
  _sender?: { _state?: number }
}

function idleSocket(socket: WebSocket): Socket | undefined {
  const ws = socket as unknown as WsInternals
  return ws._sender?._state === SENDER_DEFAULT_STATE ? ws._socket : undefined
}

/** Writes a complete text frame (from `textFrame`), shared or not. */
export function writeFrame(socket: WebSocket, frame: Buffer): void {
  const tcp = idleSocket(socket)
  if (tcp !== undefined) tcp.write(frame)
  else socket.send(payloadOf(frame), TEXT)
}

/** Writes complete text frames in order, in one syscall (writev) when ws's Sender is idle. */
export function writeFrames(socket: WebSocket, frames: readonly Buffer[]): void {
  const tcp = idleSocket(socket)
  if (tcp === undefined) {
    for (const frame of frames) socket.send(payloadOf(frame), TEXT)
    return
  }
  tcp.cork()
  for (const frame of frames) tcp.write(frame)
  tcp.uncork()
}

/** Writes `text` as a frame of its own (replies, welcome, errors). */
export function writeOwnText(socket: WebSocket, text: string): void {
  const tcp = idleSocket(socket)
  if (tcp !== undefined) tcp.write(textFrame(text))
  else socket.send(text, TEXT)
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

/** The payload of a frame built by `textFrame` (a view, not a copy). */
export function payloadOf(frame: Buffer): Buffer {
  const len7 = frame[1]! & 0x7f
  return frame.subarray(len7 < 126 ? 2 : len7 === 126 ? 4 : 10)
}

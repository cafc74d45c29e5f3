import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'
import type { DirectWriteAddon } from '../native/direct-write.ts'

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
 *
 * Direct writes (`DIRECT_SOCKET_WRITES`, the `direct-write.cc` addon): when
 * nothing is queued on the socket, neither in Node's stream nor in libuv's
 * queue, the frame goes to the kernel in one Node-API call instead of through
 * `socket.write` (the Writable state machine, a WriteWrap and an after-write
 * tick per write; about a tenth of a fan-out's CPU per recipient, see
 * BENCHMARKS.md). What the kernel does not take (its buffer is full, the peer
 * reads slowly) goes through the stream as before, which queues it, keeps the
 * order, counts it in `bufferedAmount` for the slow-consumer guard and reports
 * a broken connection as an error. Without the addon every write goes through
 * the stream.
 */
const TEXT = { binary: false } as const
const SENDER_DEFAULT_STATE = 0
/** The descriptor of a TCP handle (or -1: not a plain TCP socket), cached on the handle itself. */
const FD = Symbol('switchboard.fd')
/** `#tryDirect`: the kernel took the whole frame (a partial write returns the bytes taken, 0 < n < length). */
const WHOLLY = -1

interface WsInternals {
  _socket?: Socket
  _sender?: { _state?: number }
}

interface TcpHandle {
  fd?: number
  writeQueueSize?: number
  [FD]?: number
}

/** Writes (one frame, or one socket's batch) by the path they took; nothing is counted with direct writes off. */
export type WriteCounts = {
  /** wholly taken by the kernel in the direct call */
  direct: number
  /** partly taken; the rest went through the stream */
  partial: number
  /** through the stream: something was queued on the socket, or the kernel took nothing */
  stream: number
}

export class FrameWriter {
  readonly #addon: DirectWriteAddon | undefined
  /** The most frames one direct `writev` takes (the addon's limit). */
  readonly #maxFrames: number
  readonly counts: WriteCounts = { direct: 0, partial: 0, stream: 0 }

  /** `addon`: write directly with it; undefined: every write through the socket's stream. */
  constructor(addon?: DirectWriteAddon) {
    this.#addon = addon
    this.#maxFrames = addon?.maxFrames ?? 0
  }

  /*
   * Each write returns true when the kernel took all of it in the direct call:
   * the socket then holds nothing (`bufferedAmount` is 0), which lets the
   * connection skip reading it for the slow-consumer guard until a write goes
   * through the stream again (connection.ts `#mayWrite`).
   */

  /** Writes a complete text frame (from `textFrame`, or `WS_PING_FRAME`), shared or not. */
  frame(socket: WebSocket, frame: Buffer): boolean {
    const tcp = idleSocket(socket)
    if (tcp === undefined) throughWs(socket, frame)
    else {
      const n = this.#tryDirect(tcp, frame)
      if (n === WHOLLY) return true
      tcp.write(n === 0 ? frame : frame.subarray(n))
    }
    return false
  }

  /** Writes complete frames in order, in one syscall (writev) when ws's Sender is idle. */
  frames(socket: WebSocket, frames: readonly Buffer[]): boolean {
    const tcp = idleSocket(socket)
    if (tcp === undefined) {
      for (const frame of frames) throughWs(socket, frame)
      return false
    }
    const taken = this.#tryDirectv(tcp, frames)
    if (taken === true) return true
    if (taken === false) {
      tcp.cork()
      for (const frame of frames) tcp.write(frame)
      tcp.uncork()
    }
    return false
  }

  /** Writes `text` as a frame of its own (replies, welcome, errors). */
  ownText(socket: WebSocket, text: string): boolean {
    const tcp = idleSocket(socket)
    if (tcp === undefined) {
      socket.send(text, TEXT)
      return false
    }
    const frame = textFrame(text)
    const n = this.#tryDirect(tcp, frame)
    if (n === WHOLLY) return true
    tcp.write(n === 0 ? frame : frame.subarray(n))
    return false
  }

  /** Bytes of `frame` the kernel took in a direct call (`WHOLLY` for all of it); the caller writes the rest through the stream. */
  #tryDirect(tcp: Socket, frame: Buffer): number {
    const addon = this.#addon
    if (addon === undefined) return 0
    const fd = quietFd(tcp)
    const n = fd < 0 ? -1 : addon.write(fd, frame)
    if (n === frame.length) {
      this.counts.direct++
      return WHOLLY
    }
    if (n > 0) {
      this.counts.partial++
      return n
    }
    // queued ahead, the kernel's buffer is full (EAGAIN) or the connection broke: the stream queues or reports it
    this.counts.stream++
    return 0
  }

  /** `#tryDirect` for several frames in one sendmsg: true when the kernel took them all, 'rest' when it took part and the rest is queued on the stream, false when it took nothing. */
  #tryDirectv(tcp: Socket, frames: readonly Buffer[]): boolean | 'rest' {
    const addon = this.#addon
    if (addon === undefined) return false
    const fd = frames.length <= this.#maxFrames ? quietFd(tcp) : -1
    let n = fd < 0 ? -1 : addon.writev(fd, frames)
    if (n <= 0) {
      this.counts.stream++
      return false
    }
    let i = 0
    while (i < frames.length && n >= frames[i]!.length) n -= frames[i++]!.length
    if (i === frames.length) {
      this.counts.direct++
      return true
    }
    this.counts.partial++
    tcp.cork()
    tcp.write(frames[i]!.subarray(n))
    for (i++; i < frames.length; i++) tcp.write(frames[i]!)
    tcp.uncork()
    return 'rest'
  }
}

/**
 * A WebSocket ping (RFC 6455 §5.5.2: FIN + opcode 9, no payload, unmasked): the heartbeat queues it
 * behind its application ping so that the two leave in one write (connection.ts `ping`).
 */
export const WS_PING_FRAME = Buffer.from([0x89, 0x00])

/** A frame handed to a busy ws Sender, which frames it again: the payload of a text frame, or a ping. */
function throughWs(socket: WebSocket, frame: Buffer): void {
  if (frame === WS_PING_FRAME) socket.ping()
  else socket.send(payloadOf(frame), TEXT)
}

function idleSocket(socket: WebSocket): Socket | undefined {
  const ws = socket as unknown as WsInternals
  return ws._sender?._state === SENDER_DEFAULT_STATE ? ws._socket : undefined
}

/**
 * The socket's descriptor when a write made on it now goes out in order:
 * nothing waits in Node's stream (corked writes included) or in libuv's write
 * queue. -1 otherwise, and for handles that are not plain TCP (TLS, pipes).
 */
function quietFd(tcp: Socket): number {
  // null once the socket is destroyed: its descriptor is closed and may already be another socket's
  const handle = (tcp as unknown as { _handle: TcpHandle | null })._handle
  if (handle === null || tcp.writableLength !== 0 || handle.writeQueueSize !== 0) return -1
  return (handle[FD] ??= tcpFd(handle))
}

function tcpFd(handle: TcpHandle): number {
  const isTcp = (handle as { constructor?: { name?: string } }).constructor?.name === 'TCP'
  return isTcp && typeof handle.fd === 'number' && handle.fd >= 0 ? handle.fd : -1
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

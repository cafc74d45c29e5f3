import type { ErrorCode, ServerFrame } from '@switchboard/shared'
import { ERROR_CODES } from '@switchboard/shared'
import type { WebSocket } from 'ws'
import type { Principal } from '../plugins/auth.ts'
import type { ConnectionInfo } from './connection-observer.ts'
import { type FrameWriter, WS_PING_FRAME } from './frame-writer.ts'
import { Subscriptions } from './subscriptions.ts'

export interface ConnectionLimits {
  outboundBufferBytes: number
  messagesPerMinute: number
  maxInvalidFrames: number
}

/** Callbacks the connection reports to; set by the hub. */
export interface ConnectionSink {
  onSlowConsumer(connection: Connection): void
  onSendError(connection: Connection): void
  /** Frames collected this turn could not be written: the socket closed first. */
  onDropped(connection: Connection, frames: number): void
  /** The connection holds frames to write at the end of this turn (write-batch.ts). */
  flushLater(connection: Connection): void
  /** The server began closing the connection (the heartbeat cuts a peer that does not finish the handshake). */
  onClosing(connection: Connection): void
}

/** Queued bytes past which a connection writes its queue at once (one write, then queues again). */
const FLUSH_AT_BYTES = 65_536

/** Live events held back during one recovery; past this the client is too far behind. */
export const MAX_PENDING = 10_000

/**
 * A connection's times are kept as ms since the server started and read as
 * epoch ms. An epoch-ms value, or a difference of two doubles even when whole,
 * is a 16-byte heap number per field per connection (S3 in BENCHMARKS.md);
 * `| 0` makes the offset a small integer, stored in the object itself. Past 12
 * days of uptime (V8's small integers are 31 bits) the offsets stay doubles:
 * the same values, more memory.
 */
const EPOCH = Date.now()
const SMI_MAX = 2 ** 30 - 1

function sinceEpoch(at: number): number {
  const ms = at - EPOCH
  return ms <= SMI_MAX && ms >= -SMI_MAX ? ms | 0 : ms
}
const offsetOf = (at: number | undefined): number | undefined => (at === undefined ? undefined : sinceEpoch(at))
const epochOf = (offset: number | undefined): number | undefined => (offset === undefined ? undefined : EPOCH + offset)

/** Numbers connections in order of arrival, for the heartbeat's slices (a small integer: no heap number). */
let connectionSeq = 0

/**
 * One client: identity, subscriptions, counters and the only place that writes
 * to its socket. State is kept lean on purpose (no timers, no request object):
 * the heartbeat sweep drives time for all connections at once.
 */
export class Connection implements ConnectionInfo {
  // The fields every send reads come first: V8 lays fields out in the order
  // they are declared, so a fan-out touches one cache line of each recipient's
  // Connection, not three.
  readonly socket: WebSocket
  /** Writes this connection's frames (directly to the descriptor when it can: frame-writer.ts). */
  readonly writer: FrameWriter
  /**
   * Set once the server starts closing (kept in one object made only then: an
   * idle connection carries one field for it, not four). `since` lets the sweep
   * terminate peers that never finish the close handshake; `code`/`reason` are
   * reported to observers even if the socket had to be terminated.
   */
  closingState: { since: number; code: number | undefined; reason: string | undefined } | undefined
  readonly limits: ConnectionLimits
  messagesOut = 0
  /** Pushes of this turn not written yet: one frame, or several in order (write-batch.ts). */
  #pending: Buffer | Buffer[] | undefined = undefined
  #pendingBytes = 0
  /**
   * The last write was taken whole by the kernel (frame-writer.ts): nothing is
   * buffered on the socket, so the slow-consumer guard need not read ws's
   * `bufferedAmount` (three objects away, cold in a fan-out). The first write
   * that goes through the stream clears it. Frames ws writes by itself (a pong
   * to a client's ping) are missed for a turn at most: they make the next
   * write go through the stream.
   */
  #quiet = false
  readonly sink: ConnectionSink

  readonly id: string
  readonly ip: string
  readonly userAgent: string | undefined
  readonly origin: string | undefined
  readonly #connectedAt = sinceEpoch(Date.now())

  principal: Principal | null = null
  #authenticatedAt: number | undefined = undefined
  #lastPongAt: number | undefined = undefined
  /** Cleared by each heartbeat ping; set by any pong or frame from the client. */
  alive = true
  /** Which slice of the heartbeat pings this connection (heartbeat.ts): consecutive connections fall in different slices. */
  readonly heartbeatSlot = (connectionSeq = (connectionSeq + 1) & 0x3fffffff)
  /** Neighbours in the list of the heartbeat slice this connection belongs to (heartbeat.ts; no Set entry per connection). */
  slotPrev: Connection | undefined = undefined
  slotNext: Connection | undefined = undefined
  messagesIn = 0
  invalidFrames = 0
  errorSeq = 0
  /**
   * Frames that came while a request of this connection is answered
   * asynchronously (history, the cluster, the database): processed once it
   * is, so replies keep the order of requests (dispatch.ts). Undefined when
   * nothing is pending, which is nearly always.
   */
  waiting: Array<{ raw: Buffer | ArrayBuffer | Buffer[]; isBinary: boolean }> | undefined = undefined
  readonly subscriptionState = new Subscriptions()
  /** Since EPOCH; a minute before it, so that the first frame opens a window. */
  #rateWindowStart = -60_000
  #rateCount = 0

  constructor(init: {
    id: string
    socket: WebSocket
    ip: string
    userAgent: string | undefined
    origin: string | undefined
    limits: ConnectionLimits
    sink: ConnectionSink
    writer: FrameWriter
  }) {
    this.id = init.id
    this.socket = init.socket
    this.writer = init.writer
    this.ip = init.ip
    this.userAgent = init.userAgent
    this.origin = init.origin
    this.limits = init.limits
    this.sink = init.sink
  }

  /** Epoch ms. */
  get connectedAt(): number {
    return EPOCH + this.#connectedAt
  }
  get authenticatedAt(): number | undefined {
    return epochOf(this.#authenticatedAt)
  }
  set authenticatedAt(at: number | undefined) {
    this.#authenticatedAt = offsetOf(at)
  }
  get lastPongAt(): number | undefined {
    return epochOf(this.#lastPongAt)
  }
  set lastPongAt(at: number | undefined) {
    this.#lastPongAt = offsetOf(at)
  }

  get user(): string | undefined {
    return this.principal?.user
  }
  get tenant(): string | undefined {
    return this.principal?.tenant
  }
  get roles(): readonly string[] {
    return this.principal?.roles ?? []
  }
  get subscriptions(): ReadonlySet<string> {
    return new Set(this.subscriptionState.channels())
  }
  get closing(): boolean {
    return this.closingState !== undefined
  }
  get isOpen(): boolean {
    return this.closingState === undefined && this.socket.readyState === 1
  }

  /**
   * Writes a complete text frame (`textFrame`), usually one shared by every
   * recipient of a broadcast. With `queue` (a push that is not the turn's
   * first, a replay) the frame waits for the end of the event-loop turn and
   * leaves with the turn's other frames in one write (write-batch.ts); a
   * frame also queues behind frames already queued, so order holds. Past the
   * outbound limit the client is a slow consumer: it is closed (4101) rather
   * than let its buffer grow without bound.
   */
  sendFrame(frame: Buffer, queue = false): boolean {
    if (!this.#mayWrite(frame.length)) return false
    if (!queue && this.#pending === undefined) return this.#writeNow(frame)
    this.#enqueue(frame)
    this.messagesOut++
    // a long replay or large frames go out as they accumulate, not all at the end of the turn
    if (this.#pendingBytes >= FLUSH_AT_BYTES) this.flushPending()
    return true
  }

  /**
   * The heartbeat's application ping and a WebSocket ping, queued together:
   * they leave in one write at the end of the turn (two writes per connection
   * per interval before). The WebSocket ping is a control frame, not a
   * message: it is not counted in `messagesOut`, nor as dropped.
   */
  ping(appPing: Buffer): void {
    if (this.sendFrame(appPing, true)) this.#enqueue(WS_PING_FRAME)
  }

  #enqueue(frame: Buffer): void {
    const pending = this.#pending
    if (pending === undefined) {
      this.#pending = frame
      this.sink.flushLater(this)
    } else if (Array.isArray(pending)) pending.push(frame)
    else this.#pending = [pending, frame]
    this.#pendingBytes += frame.length
  }

  /** A frame for this connection alone (a reply, welcome, error), written now, after anything queued. */
  send(frame: ServerFrame): boolean {
    const text = JSON.stringify(frame)
    // UTF-16 length: the byte length within a factor of three, exact for ASCII; enough for the guard
    if (!this.#mayWrite(text.length)) return false
    // a reply never overtakes an event pushed earlier in the turn
    this.flushPending()
    return this.#writeNow(text)
  }

  /** A built frame (Buffer) or the JSON text of a frame of its own (string), written at once. */
  #writeNow(data: Buffer | string): boolean {
    try {
      this.#quiet = typeof data === 'string' ? this.writer.ownText(this.socket, data) : this.writer.frame(this.socket, data)
    } catch {
      this.#quiet = false
      this.sink.onSendError(this)
      return false
    }
    this.messagesOut++
    return true
  }

  /** Writes the frames queued this turn, in one syscall when there are several. */
  flushPending(): void {
    const pending = this.#pending
    if (pending === undefined) return
    this.#pending = undefined
    this.#pendingBytes = 0
    if (this.socket.readyState !== 1) return this.#dropped(pending)
    try {
      this.#quiet = Array.isArray(pending) ? this.writer.frames(this.socket, pending) : this.writer.frame(this.socket, pending)
    } catch {
      this.#quiet = false
      this.sink.onSendError(this)
    }
  }

  /** Open, and `size` more bytes stay under the outbound limit (else: slow consumer). */
  #mayWrite(size: number): boolean {
    if (!this.isOpen) return false
    const buffered = this.#quiet ? 0 : this.socket.bufferedAmount
    if (buffered + this.#pendingBytes + size > this.limits.outboundBufferBytes) {
      this.sink.onSlowConsumer(this)
      return false
    }
    return true
  }

  #dropped(pending: Buffer | Buffer[]): void {
    const frames = Array.isArray(pending) ? pending : [pending]
    let n = 0
    for (const frame of frames) if (frame !== WS_PING_FRAME) n++
    this.messagesOut -= n
    this.sink.onDropped(this, n)
  }

  sendError(code: ErrorCode, message: string | undefined, requestId: string | undefined, details?: Array<{ path: string; message: string }>): string {
    const ref = `${this.id}:${++this.errorSeq}`
    this.send({
      type: 'error',
      ...(requestId === undefined ? {} : { id: requestId }),
      code,
      message: message ?? ERROR_CODES[code].message,
      ref,
      temporary: ERROR_CODES[code].temporary,
      ...(details ? { details } : {}),
    })
    return ref
  }

  /** Fixed one-minute window; cheap and exact enough for a per-connection cap. */
  takeRateToken(now: number): boolean {
    const t = sinceEpoch(now)
    if (t - this.#rateWindowStart >= 60_000) {
      this.#rateWindowStart = t
      this.#rateCount = 0
    }
    return ++this.#rateCount <= this.limits.messagesPerMinute
  }

  close(code: number, reason: string): void {
    if (this.closingState !== undefined) return
    // this turn's frames leave before the close frame
    this.flushPending()
    this.closingState = { since: Date.now(), code, reason }
    this.sink.onClosing(this)
    try {
      this.socket.close(code, reason)
    } catch {
      this.socket.terminate()
    }
  }

  terminate(): void {
    if (this.closingState === undefined) {
      this.closingState = { since: Date.now(), code: undefined, reason: undefined }
      this.sink.onClosing(this)
    }
    const pending = this.#pending
    this.#pending = undefined
    this.#pendingBytes = 0
    if (pending !== undefined) this.#dropped(pending)
    this.socket.terminate()
  }
}

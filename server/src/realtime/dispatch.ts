import { CLOSE_CODES, type ErrorCode } from '@switchboard/shared'
import type { TSchema } from 'typebox'
import { Compile, type Validator } from 'typebox/compile'
import type { Connection } from './connection.ts'
import type { RealtimeContext } from './context.ts'
import { findForbiddenKey, jsonDepthExceeds } from './frame-guards.ts'

export interface FrameHandler<F = unknown> {
  /** False only for frames allowed before authentication (auth, ping, pong). */
  requiresAuth: boolean
  handle(ctx: RealtimeContext, connection: Connection, frame: F): void | Promise<void>
}

interface Route {
  validator: Validator
  handler: FrameHandler
}

/** Frames a connection may have waiting behind an asynchronous answer; more are refused at once. */
const MAX_WAITING = 64

/** Frames that never count towards the per-connection rate limit (heartbeat traffic). */
const UNMETERED = new Set(['pong'])

/**
 * Every client frame walks one path: rate -> depth -> parse -> forbidden keys
 * -> `type` lookup -> compiled schema -> auth gate -> handler. Any failure is
 * an error frame with a code; repeated failures close with 1008; a throwing
 * handler becomes an INTERNAL error, never a crashed process.
 */
export class Dispatcher {
  readonly #routes = new Map<string, Route>()
  readonly #ctx: RealtimeContext

  constructor(ctx: RealtimeContext) {
    this.#ctx = ctx
  }

  register<S extends TSchema>(type: string, schema: S, handler: FrameHandler<import('typebox').Static<S>>): void {
    if (this.#routes.has(type)) throw new Error(`handler for ${type} registered twice`)
    this.#routes.set(type, { validator: Compile(schema), handler: handler as FrameHandler })
  }

  types(): string[] {
    return [...this.#routes.keys()]
  }

  dispatch(connection: Connection, raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const waiting = connection.waiting
    if (waiting === undefined) return this.#process(connection, raw, isBinary)
    // an earlier request is still being answered: this one waits its turn (replies keep the order of requests)
    connection.alive = true
    // bounded: a client that floods while it waits is answered at once, out of turn
    if (waiting.length >= MAX_WAITING) return this.#refuse(connection, 'RATE_LIMITED', 'Too many requests waiting for an earlier answer', undefined)
    waiting.push({ raw, isBinary })
  }

  /** Holds the connection's next frames until `answer` settles: they are processed, and answered, after it. */
  hold(connection: Connection, answer: Promise<unknown>): void {
    connection.waiting ??= []
    const drain = () => this.#drain(connection)
    answer.then(drain, drain)
  }

  /** The frames that waited behind an asynchronous answer, in order, until one goes asynchronous again. */
  #drain(connection: Connection): void {
    const waiting = connection.waiting!
    connection.waiting = undefined
    for (let i = 0; i < waiting.length; i++) {
      if (!connection.isOpen) return
      // processing the one before may have gone asynchronous again (TypeScript cannot see it set)
      const again = connection.waiting as typeof waiting | undefined
      if (again !== undefined) {
        for (let j = i; j < waiting.length; j++) again.push(waiting[j]!)
        return
      }
      this.#process(connection, waiting[i]!.raw, waiting[i]!.isBinary)
    }
  }

  #process(connection: Connection, raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const ctx = this.#ctx
    connection.alive = true
    connection.messagesIn++
    ctx.hub.stats.totalMessagesReceived++
    // a Buffer is decoded where it lies (Buffer.from would copy it first)
    const text = isBinary ? null : Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : raw instanceof ArrayBuffer ? Buffer.from(raw).toString('utf8') : raw.toString('utf8')
    if (text === null) return this.#reject(connection, 'INVALID_FRAME', 'Binary frames are not part of the protocol; send JSON text', undefined)

    if (jsonDepthExceeds(text, ctx.settings.maxJsonDepth)) {
      return this.#reject(connection, 'TOO_DEEP', `Frame nests deeper than ${ctx.settings.maxJsonDepth} levels`, undefined)
    }
    let frame: unknown
    try {
      frame = JSON.parse(text)
    } catch {
      return this.#reject(connection, 'MALFORMED_JSON', undefined, undefined)
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame) || typeof (frame as { type?: unknown }).type !== 'string') {
      return this.#reject(connection, 'INVALID_FRAME', 'A frame is a JSON object with a string "type"', undefined)
    }
    const { type, id } = frame as { type: string; id?: unknown }
    const requestId = typeof id === 'string' && id.length <= 64 ? id : undefined
    if (!UNMETERED.has(type) && !connection.takeRateToken(Date.now())) return this.#refuse(connection, 'RATE_LIMITED', undefined, requestId)
    const forbidden = findForbiddenKey(frame)
    if (forbidden !== undefined) return this.#reject(connection, 'FORBIDDEN_KEY', `Key "${forbidden}" is not allowed`, requestId)

    const route = this.#routes.get(type)
    if (route === undefined) return this.#reject(connection, 'UNKNOWN_TYPE', `Unknown frame type "${type.slice(0, 64)}"`, requestId)
    if (!route.validator.Check(frame)) {
      const details = route.validator
        .Errors(frame)
        .slice(0, 10)
        .map((e) => ({ path: e.instancePath || '/', message: e.message }))
      return this.#reject(connection, 'INVALID_FRAME', `Invalid "${type}" frame`, requestId, details)
    }
    if (route.handler.requiresAuth && connection.principal === null) {
      // a well-formed frame sent too early is answered and ignored (PROTOCOL.md §3), not held
      // against the connection: the auth deadline and the rate limit already bound a client that waits
      return this.#refuse(connection, 'NOT_AUTHENTICATED', undefined, requestId)
    }
    ctx.countIn(type)
    try {
      const result = route.handler.handle(ctx, connection, frame)
      if (result instanceof Promise) this.hold(connection, result.catch((err: unknown) => this.#internal(connection, type, requestId, err)))
    } catch (err) {
      this.#internal(connection, type, requestId, err)
    }
  }

  #internal(connection: Connection, type: string, requestId: string | undefined, err: unknown): void {
    const ref = connection.sendError('INTERNAL', undefined, requestId)
    this.#ctx.countRejected('INTERNAL')
    this.#ctx.log.error({ err, ref, connectionId: connection.id, frameType: type }, 'frame handler failed')
  }

  #reject(
    connection: Connection,
    code: ErrorCode,
    message: string | undefined,
    requestId: string | undefined,
    details?: Array<{ path: string; message: string }>,
  ): void {
    this.#refuse(connection, code, message, requestId, details)
    if (++connection.invalidFrames >= connection.limits.maxInvalidFrames) {
      connection.close(CLOSE_CODES.POLICY_VIOLATION, 'too many invalid frames')
    }
  }

  /** A frame answered with an error and dropped, not held against the connection (rate limit, too early). */
  #refuse(connection: Connection, code: ErrorCode, message: string | undefined, requestId: string | undefined, details?: Array<{ path: string; message: string }>): void {
    const ref = connection.sendError(code, message, requestId, details)
    this.#ctx.countRejected(code)
    this.#ctx.hub.notify('rejected', connection, code, ref)
    this.#ctx.log.debug({ connectionId: connection.id, code, ref }, 'client frame rejected')
  }
}

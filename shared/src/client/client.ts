import { CLOSE_CODES, isTerminalCloseCode } from '../close-codes.ts'
import type { EventType } from '../events/catalog.ts'
import {
  RESERVED_FRAME_TYPES,
  type AuthSuccessFrame,
  type PushFrame,
  type ServerFrame,
  type SubscribedFrame,
  type UnsubscribedFrame,
  type WelcomeFrame,
} from '../frames/server-frames.ts'
import { Backoff } from './backoff.ts'
import { Channels } from './channels.ts'
import { Emitter } from './emitter.ts'
import { ClientError } from './errors.ts'
import { PendingRequests, type ReplyOf, type RequestFrame, type RequestType } from './requests.ts'
import { StateMachine, type ClientState } from './state.ts'
import { PushHandlers } from './push-handlers.ts'
import type { Filters } from './subscriptions.ts'
import { TokenRefresh } from './token-refresh.ts'
import { endpointUrl, Transport, Watchdog } from './transport.ts'
import type { ClientEvents, ClientOptions, PushHandler, WebSocketConstructor } from './types.ts'

/**
 * Switchboard's typed client: one socket, one state machine, automatic
 * reconnect with backoff that obeys close codes, re-auth, re-subscribe with
 * history recovery. Pushes: `on(type, handler)`. Lifecycle: `events.on(...)`.
 */
export class SwitchboardClient {
  readonly events = new Emitter<ClientEvents>()
  readonly #options: ClientOptions
  readonly #WebSocket: WebSocketConstructor
  readonly #machine = new StateMachine()
  readonly #backoff: Backoff
  readonly #requests = new PendingRequests()
  readonly #channels = new Channels({
    isConnected: () => this.#machine.is('connected'),
    isClosed: () => this.#machine.is('closed'),
    subscribe: (frame) => this.#send(frame).reply,
    unsubscribe: (frame) => this.request(frame),
    recovery: (entry) => this.events.emit('recovery', entry),
    error: (err) => this.events.emit('error', err),
  })
  readonly #handlers = new PushHandlers()
  readonly #refresh: TokenRefresh
  readonly #watchdog = new Watchdog(() => this.#drop(CLOSE_CODES.HEARTBEAT_TIMEOUT, 'no frame from the server in time'))
  #transport: Transport | undefined
  #generation = 0
  #session: AuthSuccessFrame | undefined
  #welcome: WelcomeFrame | undefined
  #token = ''
  #authId: string | undefined
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined
  #reconnectAt: number | undefined

  constructor(options: ClientOptions) {
    this.#options = options
    const ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (!ctor) throw new TypeError('no WebSocket implementation: pass options.WebSocket')
    this.#WebSocket = ctor
    this.#backoff = new Backoff(options.backoff)
    this.#refresh = new TokenRefresh(options.tokenRefreshMarginMs ?? 30_000, () => void this.#reauthenticate())
    this.#machine.onChange((change) => this.events.emit('state', change))
  }

  get state(): ClientState {
    return this.#machine.state
  }

  /** The last `auth_success` (user, tenant, roles, expiresAt, rooms) while connected. */
  get session(): AuthSuccessFrame | undefined {
    return this.#session
  }

  get welcome(): WelcomeFrame | undefined {
    return this.#welcome
  }

  /** Milliseconds until the next reconnect attempt, or null when none is scheduled. */
  reconnectingIn(): number | null {
    return this.#reconnectAt === undefined ? null : Math.max(0, this.#reconnectAt - Date.now())
  }

  /** Last recovery result and history position of a channel. */
  recovery(channel: string) {
    return this.#channels.recovery(channel)
  }

  position(channel: string) {
    return this.#channels.position(channel)
  }

  /** Opens the connection; resolves with the session once authenticated, rejects if the client closes first. */
  connect(): Promise<AuthSuccessFrame> {
    if (this.#machine.is('connected') && this.#session) return Promise.resolve(this.#session)
    const ready = this.#whenConnected()
    if (this.#machine.is('disconnected', 'closed')) {
      this.#backoff.reset()
      void this.#open()
    }
    return ready
  }

  /** Closes for good (no reconnect); `connect()` may be called again later. */
  close(reason = 'client closed'): void {
    if (this.#machine.is('closed')) return
    this.#transport?.close(CLOSE_CODES.NORMAL, reason)
    this.#finish(CLOSE_CODES.NORMAL, reason)
  }

  /** Handler for pushes of one event type; `data` is typed from the catalog. Returns an unsubscribe function. */
  on<T extends EventType>(type: T, handler: PushHandler<T>): () => void
  on(type: string, handler: (data: unknown, push: PushFrame) => void): () => void
  on(type: string, handler: (data: never, push: never) => void): () => void {
    return this.#handlers.add(type, handler as (data: unknown, push: PushFrame) => void)
  }

  /** Handler for every push, whatever its type. */
  onAny(handler: (push: PushFrame) => void): () => void {
    return this.on('*', (_data, push) => handler(push))
  }

  /**
   * Joins named channels. Kept across reconnects (re-subscribed with `since`).
   * Before the connection is up, resolves once the server has answered.
   */
  subscribe(channels: string[], options: { filters?: Filters } = {}): Promise<SubscribedFrame> {
    return this.#channels.subscribe(channels, options.filters)
  }

  /** Leaves named channels and forgets their history position. */
  unsubscribe(channels: string[]): Promise<UnsubscribedFrame> {
    return this.#channels.unsubscribe(channels)
  }

  /** Application-level ping; resolves with the server's pong. */
  ping(): Promise<ReplyOf['ping']> {
    return this.request({ type: 'ping' })
  }

  /** Sends a request on the authenticated connection and resolves with the reply carrying its `id`. */
  request<T extends RequestType>(frame: RequestFrame<T> & { type: T }, timeoutMs?: number): Promise<ReplyOf[T]> {
    if (!this.#machine.is('connected')) {
      return Promise.reject(new ClientError({ code: 'NOT_CONNECTED', message: `cannot send ${frame.type} while ${this.state}`, temporary: true }))
    }
    return this.#send(frame, timeoutMs).reply
  }

  #send<T extends RequestType>(frame: RequestFrame<T> & { type: T }, timeoutMs = this.#options.requestTimeoutMs ?? 10_000): { id: string; reply: Promise<ReplyOf[T]> } {
    const id = this.#requests.nextId()
    const reply = this.#requests.track(id, frame.type, timeoutMs)
    if (!this.#transport?.send({ ...frame, id })) {
      this.#requests.fail(id, new ClientError({ code: 'DISCONNECTED', message: 'socket is not open', temporary: true, id }))
    }
    return { id, reply }
  }

  #whenConnected(): Promise<AuthSuccessFrame> {
    return new Promise((resolve, reject) => {
      const offConnected = this.events.once('connected', (session) => {
        offClosed()
        resolve(session)
      })
      const offClosed = this.events.once('closed', ({ code, reason }) => {
        offConnected()
        reject(new ClientError({ code: 'CLOSED', message: `closed (${code}): ${reason}`, temporary: false }))
      })
    })
  }

  async #open(): Promise<void> {
    this.#reconnectAt = undefined
    this.#machine.set('connecting')
    const generation = ++this.#generation
    try {
      const source = this.#options.token
      this.#token = typeof source === 'function' ? await source() : source
    } catch (err) {
      if (generation !== this.#generation) return
      this.events.emit('error', new ClientError({ code: 'AUTH_FAILED', message: `token provider failed: ${String(err)}`, temporary: true }))
      return this.#lost(CLOSE_CODES.INTERNAL_ERROR, 'token provider failed')
    }
    if (generation !== this.#generation) return // close() was called meanwhile
    const mode = this.#options.mode ?? 'auth-frame'
    let ws: InstanceType<WebSocketConstructor>
    try {
      ws = new this.#WebSocket(endpointUrl(this.#options.url, mode, this.#token))
    } catch (err) {
      // The constructor throws only for a malformed URL: retrying cannot help.
      this.events.emit('error', new ClientError({ code: 'CLOSED', message: `cannot open a socket: ${String(err)}`, temporary: false }))
      return this.#finish(1006, 'cannot open a socket')
    }
    this.#transport = new Transport(ws, {
      open: () => this.#machine.set('authenticating', 'socket open'),
      frame: (frame) => this.#onFrame(frame as ServerFrame | PushFrame),
      close: (code, reason) => this.#lost(code, reason),
    })
    this.#watchdog.arm(this.#options.connectTimeoutMs ?? 10_000)
  }

  #onFrame(frame: ServerFrame | PushFrame): void {
    this.#watchdog.touch()
    if (!RESERVED_FRAME_TYPES.has(frame.type)) return this.#onPush(frame as PushFrame)
    const control = frame as ServerFrame
    switch (control.type) {
      case 'welcome':
        this.#welcome = control
        this.#watchdog.arm(control.heartbeatIntervalMs * 2)
        this.events.emit('welcome', control)
        if (!control.authenticated) this.#authenticate()
        return
      case 'ping':
        this.#transport?.send({ type: 'pong' })
        return
      case 'auth_success':
        // Handled synchronously (not via the request promise) so no frame can slip in before `connected`.
        if (control.id === undefined || control.id === this.#authId) this.#onAuthenticated(control) // no id: /ws/connect
        this.#requests.settle(control)
        return
      default:
        if (this.#requests.settle(control)) return
        if (control.type === 'error' || control.type === 'auth_error') this.events.emit('error', ClientError.fromFrame(control))
    }
  }

  #authenticate(): void {
    const generation = this.#generation
    const { id, reply } = this.#send({ type: 'auth', token: this.#token })
    this.#authId = id
    // Success is handled in #onFrame. auth_error: the server closes with 4001 (terminal).
    reply.catch((err: ClientError) => generation === this.#generation && this.events.emit('error', err))
  }

  #onAuthenticated(session: AuthSuccessFrame): void {
    if (!this.#machine.is('authenticating')) return
    this.#session = session
    this.#backoff.reset()
    this.#machine.set('connected', 'auth_success')
    if (typeof this.#options.token === 'function') this.#refresh.schedule(session)
    this.#channels.restore()
    this.events.emit('connected', session)
  }

  #onPush(push: PushFrame): void {
    if (!this.#channels.notePush(push)) return // already delivered (replay overlapping live delivery)
    this.#handlers.dispatch(push)
  }

  /** Re-authenticates the live socket with a fresh token from the token function. */
  async #reauthenticate(): Promise<void> {
    const source = this.#options.token
    if (typeof source !== 'function') return
    try {
      this.#token = await source()
      const fresh = await this.request({ type: 'auth', token: this.#token })
      this.#session = fresh
      this.#refresh.schedule(fresh)
      this.events.emit('reauthenticated', fresh)
    } catch (err) {
      this.events.emit('error', err instanceof ClientError ? err : new ClientError({ code: 'AUTH_FAILED', message: String(err), temporary: true }))
    }
  }

  /** Gives up on a socket that may never report its own close (dead server), then handles it as lost. */
  #drop(code: number, reason: string): void {
    this.#transport?.close(CLOSE_CODES.NORMAL, reason)
    this.#lost(code, reason)
  }

  #teardownConnection(): void {
    this.#generation++
    this.#transport?.detach()
    this.#transport = undefined
    this.#session = undefined
    this.#authId = undefined
    this.#watchdog.stop()
    this.#refresh.cancel()
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = this.#reconnectAt = undefined
    this.#requests.rejectAll((id) => new ClientError({ code: 'DISCONNECTED', message: 'connection lost before the reply', temporary: true, id }))
  }

  /** The socket is gone: reconnect with backoff unless the code is terminal or attempts are exhausted. */
  #lost(code: number, reason: string): void {
    this.#teardownConnection()
    const delayMs = isTerminalCloseCode(code) ? null : this.#backoff.next()
    this.events.emit('disconnected', { code, reason, willReconnect: delayMs !== null })
    if (delayMs === null) {
      const why = isTerminalCloseCode(code) ? reason : `gave up after ${this.#backoff.maxAttempts} reconnect attempts (${reason})`
      return this.#finish(code, why)
    }
    this.#machine.set('reconnecting', reason)
    this.#reconnectAt = Date.now() + delayMs
    this.#reconnectTimer = setTimeout(() => void this.#open(), delayMs)
    this.events.emit('reconnecting', { attempt: this.#backoff.attempt, delayMs, code, reason })
  }

  #finish(code: number, reason: string): void {
    this.#teardownConnection()
    this.#machine.set('closed', reason)
    this.#channels.rejectWaiters(`closed (${code}): ${reason}`)
    this.events.emit('closed', { code, reason })
  }
}

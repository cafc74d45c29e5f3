import type { EventData, EventType } from '../events/catalog.ts'
import type { AuthSuccessFrame, PushFrame, Recovery, WelcomeFrame } from '../frames/server-frames.ts'
import type { BackoffOptions } from './backoff.ts'
import type { ClientError } from './errors.ts'
import type { StateChange } from './state.ts'

/**
 * The subset of the WebSocket API the client uses; the browser's, Node 22+'s
 * global and the `ws` package's all fit. Handler parameters are `never` so
 * that each implementation's own event types are accepted.
 */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: never) => void) | null
  onmessage: ((event: never) => void) | null
  onclose: ((event: never) => void) | null
  onerror: ((event: never) => void) | null
}
export type WebSocketConstructor = new (url: string) => WebSocketLike

/** A token, or a function returning a fresh one; the function is called on every (re)connect and refresh. */
export type TokenSource = string | (() => string | Promise<string>)

export interface ClientOptions {
  /** Server base URL: `ws://host:3000`, `wss://...`; `http(s)://` is accepted and converted. */
  url: string
  token: TokenSource
  /**
   * `auth-frame` (default): connect to `/ws` and send `{type:"auth", token}` after `welcome`.
   * `query`: connect to `/ws/connect?token=...`, authenticated at the upgrade.
   */
  mode?: 'auth-frame' | 'query'
  backoff?: BackoffOptions
  /** How long a request waits for its reply. Default 10000. */
  requestTimeoutMs?: number
  /** How long a new socket may take to open and say `welcome`. Default 10000. */
  connectTimeoutMs?: number
  /** Heartbeat interval assumed until `welcome` gives the server's; silence for twice this = dead server. Default 30000. */
  heartbeatIntervalMs?: number
  /** With a token function: re-send `auth` with a fresh token this long before the token expires. 0 disables. Default 30000. */
  tokenRefreshMarginMs?: number
  /** WebSocket implementation; default the global `WebSocket`. */
  WebSocket?: WebSocketConstructor
}

export interface DisconnectInfo {
  code: number
  reason: string
  /** False when the code is terminal, attempts are exhausted or `close()` was called. */
  willReconnect: boolean
}

export interface ReconnectInfo {
  /** 1 for the first reconnect attempt after a loss. */
  attempt: number
  delayMs: number
  /** Close code that caused the reconnect. */
  code: number
  reason: string
}

/** Lifecycle events, on `client.events` (pushes go through `client.on`). */
export interface ClientEvents {
  state: StateChange
  welcome: WelcomeFrame
  /** Authenticated (first time or after a reconnect); carries the session. */
  connected: AuthSuccessFrame
  /** A token refresh on the live connection succeeded. */
  reauthenticated: AuthSuccessFrame
  disconnected: DisconnectInfo
  reconnecting: ReconnectInfo
  closed: { code: number; reason: string }
  /** One entry per channel of a subscribe reply that reported recovery. */
  recovery: Recovery
  /** Error frames not answering a request, auth failures, token provider failures. */
  error: ClientError
}

/** Handler data typed from the event catalog; unknown event types get `unknown`. */
export type EventDataOf<T extends string> = T extends EventType ? EventData<T> : unknown
export type PushHandler<T extends string> = (data: EventDataOf<T>, push: PushFrame<EventDataOf<T>>) => void

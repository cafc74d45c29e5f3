import type { ConnectionInfo, ConnectionObserver } from '../../realtime/connection-observer.ts'
import { storableText } from '../../storage/storable-text.ts'
import type { LogDraft } from './log-record.ts'
import type { LogLevel } from './websocket-log.entity.ts'

/** Closes that are part of normal life: the client left, the server restarted or asked for a reconnect. */
const ROUTINE_CLOSES = new Set([1000, 1001, 1005, 4100])

export function closeLevel(code: number): LogLevel {
  if (code === 1011) return 'error'
  // 1006 (no close frame) is a vanished network path: common, but worth a look when frequent
  return ROUTINE_CLOSES.has(code) ? 'info' : 'warning'
}

/**
 * Writes connection events to `websocket_log` through the batched writer:
 * opened, authenticated, subscriptions, rejected frames, closed. Like every
 * observer it runs on the hot path: build a small record, hand it over.
 * What it records is the server's own description: codes, counts, channel
 * names; never a token or a frame's content.
 */
export class ConnectionAudit implements ConnectionObserver {
  readonly #sink: (draft: LogDraft) => void
  readonly #maxRejectedPerConnection: number
  /**
   * Rejected frames per connection: a client hammering the rate limit would
   * otherwise write one row per frame. Past the cap they are only counted,
   * and the count goes into the close entry.
   */
  readonly #rejected = new Map<string, number>()

  /** `sink` stores (and may stream) one entry; it must not throw. */
  constructor(sink: (draft: LogDraft) => void, opts: { maxRejectedPerConnection?: number } = {}) {
    this.#sink = sink
    this.#maxRejectedPerConnection = opts.maxRejectedPerConnection ?? 20
  }

  opened(c: ConnectionInfo): void {
    this.#emit(c, 'connect', 'debug', 'connection opened', { origin: c.origin ?? null }, { ip: c.ip, userAgent: c.userAgent ?? null })
  }

  authenticated(c: ConnectionInfo): void {
    this.#emit(c, 'connect', 'info', `authenticated as ${c.user ?? '?'}`, { user: c.user ?? null, roles: [...c.roles] })
  }

  subscribed(c: ConnectionInfo, channels: readonly string[]): void {
    this.#emit(c, 'message', 'debug', `subscribed to ${channels.join(', ')}`.slice(0, 1024), { channels: channels.slice(0, 64) })
  }

  unsubscribed(c: ConnectionInfo, channels: readonly string[]): void {
    this.#emit(c, 'message', 'debug', `unsubscribed from ${channels.join(', ')}`.slice(0, 1024), { channels: channels.slice(0, 64) })
  }

  rejected(c: ConnectionInfo, code: string, ref: string): void {
    const n = (this.#rejected.get(c.id) ?? 0) + 1
    this.#rejected.set(c.id, n)
    if (n > this.#maxRejectedPerConnection) return
    const last = n === this.#maxRejectedPerConnection
    this.#emit(c, 'error', 'warning', `frame rejected: ${code}${last ? ' (further rejections are counted in the close entry)' : ''}`, { code, ref })
  }

  closed(c: ConnectionInfo, code: number, rawReason: string): void {
    // the client chose the reason: a NUL in it would make the database refuse the row
    const reason = storableText(rawReason)
    const durationMs = Date.now() - c.connectedAt
    const rejected = this.#rejected.get(c.id)
    this.#rejected.delete(c.id)
    this.#emit(c, 'disconnect', closeLevel(code), `closed ${code}${reason ? ` (${reason.slice(0, 200)})` : ''}`, {
      code,
      reason: reason.slice(0, 256),
      messagesIn: c.messagesIn,
      messagesOut: c.messagesOut,
      durationMs,
      ...(rejected === undefined ? {} : { rejectedFrames: rejected }),
    })
  }

  #emit(
    c: ConnectionInfo,
    eventType: LogDraft['eventType'],
    level: LogLevel,
    message: string,
    metadata: Record<string, unknown>,
    who: { ip?: string; userAgent?: string | null } = {},
  ): void {
    this.#sink({
      connectionId: c.id,
      tenant: c.tenant ?? null,
      eventType,
      level,
      message,
      metadata,
      ip: who.ip?.slice(0, 64) ?? null,
      userAgent: who.userAgent?.slice(0, 512) ?? null,
      createdAt: new Date().toISOString(),
    })
  }
}

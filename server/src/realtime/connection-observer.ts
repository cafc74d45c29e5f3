/**
 * A read-only view of a connection for observers outside realtime/ (the
 * connection registry, audit log, metrics, presence). Observers run on the hot
 * path: they must be synchronous and cheap (queue work, never await).
 */
export interface ConnectionInfo {
  readonly id: string
  readonly ip: string
  readonly userAgent: string | undefined
  readonly origin: string | undefined
  /** Epoch ms (numbers, not Dates: a connection's state is kept lean, see connection.ts). */
  readonly connectedAt: number
  readonly user: string | undefined
  readonly tenant: string | undefined
  readonly roles: readonly string[]
  readonly authenticatedAt: number | undefined
  readonly lastPongAt: number | undefined
  readonly messagesIn: number
  readonly messagesOut: number
  readonly subscriptions: ReadonlySet<string>
}

export interface ConnectionObserver {
  opened?(connection: ConnectionInfo): void
  authenticated?(connection: ConnectionInfo): void
  subscribed?(connection: ConnectionInfo, channels: readonly string[]): void
  unsubscribed?(connection: ConnectionInfo, channels: readonly string[]): void
  /** A client frame was rejected (bad JSON, schema, rate limit, forbidden...). */
  rejected?(connection: ConnectionInfo, code: string, ref: string): void
  closed?(connection: ConnectionInfo, code: number, reason: string): void
}

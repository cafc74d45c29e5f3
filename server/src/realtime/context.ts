import type { ErrorCode } from '@switchboard/shared'
import type { FastifyBaseLogger } from 'fastify'
import type { HistoryPolicy, HistoryStore } from '../history/history.ts'
import type { Principal, VerifyResult } from '../plugins/auth.ts'
import type { Connection } from './connection.ts'
import type { Hub } from './hub.ts'
import type { WriteBatch } from './write-batch.ts'

/** Settings the realtime layer reads; a slice of Config. */
export interface RealtimeSettings {
  authTimeoutMs: number
  heartbeatIntervalMs: number
  maxJsonDepth: number
  maxSubscriptions: number
  maxConnectionsPerUser: number
  systemChannels: ReadonlySet<string>
}

/** What handlers are handed: the hub and the ports of other rooms, never Fastify or ws. */
export interface RealtimeContext {
  hub: Hub
  settings: RealtimeSettings
  log: FastifyBaseLogger
  verifyToken(token: string): VerifyResult
  history: HistoryStore
  historyPolicy(channel: string): HistoryPolicy | undefined
  /** null when the principal may join the channel, else the error code. */
  channelAccess(principal: Principal, channel: string): ErrorCode | null
  /** Counts frames by type for metrics. */
  countIn(type: string): void
  countRejected(code: string): void
  /** Pushes are written at the end of each event-loop turn, several to a socket in one write. */
  writes: WriteBatch
  /**
   * Cluster routing: a promise that resolves once the bus receives the traffic
   * of every room joined so far (bounded wait, never rejects), or undefined
   * when nothing is pending (memory bus). Replies that promise delivery
   * (`auth_success`, `subscribed`) wait for it.
   */
  routingSettled(): Promise<void> | undefined
  /**
   * Cluster-wide admission of a just-authenticated connection (the per-user
   * connection cap across instances): false closes it with 4105. Never
   * rejects (fails open when the shared store is down). Unset: the local
   * cap alone, as on a single instance.
   */
  admission?: ((c: Connection) => Promise<boolean>) | undefined
}

import type { Counter } from 'prom-client'
import type { Target } from '../../realtime/event.ts'
import { storableJson, storableText } from '../../storage/storable-text.ts'
import type { LogDraft } from './log-record.ts'
import type { LogEntry, ServiceLogDraft } from './service-log.repository.ts'

/** Tenant of the server's own records: only global admins see them (system channel `logs`). */
export const SYSTEM_TENANT = '_system'
export const LOGS_CHANNEL = 'logs'

export type Publish = (input: { type: string; data: unknown; target: Target }) => Promise<unknown>

export interface LogStreamMetrics {
  published: Counter<'source'>
  dropped: Counter<'reason'>
}

export function eventTypeFor(level: LogEntry['level']): 'log:error' | 'log:warning' | 'log:entry' {
  return level === 'error' ? 'log:error' : level === 'warning' ? 'log:warning' : 'log:entry'
}

/**
 * Reference 004's live logs: entries become `log:entry|error|warning` events
 * on the tenant's `logs` channel (global admins see every tenant's, through
 * the hub's system-channel room). Subscribers narrow them with filters on
 * `level`, `service` and `context`.
 *
 * Publishing is capped at `maxPerSecond`: a log storm must not become an
 * event storm. Entries over the cap are still stored, only not streamed, and
 * counted. A failed publish is counted, never logged: logging it would feed
 * the log stream its own failure.
 */
export class LogStream {
  readonly #publish: Publish
  readonly #store: (draft: ServiceLogDraft) => boolean
  readonly #maxPerSecond: number
  readonly #metrics: LogStreamMetrics
  readonly #now: () => number
  #windowStart = 0
  #windowCount = 0

  constructor(opts: {
    publish: Publish
    store: (draft: ServiceLogDraft) => boolean
    maxPerSecond: number
    metrics: LogStreamMetrics
    now?: () => number
  }) {
    this.#publish = opts.publish
    this.#store = opts.store
    this.#maxPerSecond = opts.maxPerSecond
    this.#metrics = opts.metrics
    this.#now = opts.now ?? Date.now
  }

  /** Stores and streams reference-004 entries of one tenant; says how many the store took. */
  ingest(tenant: string, entries: readonly LogEntry[], source = 'ingest'): { accepted: number; dropped: number } {
    let accepted = 0
    // backends (and the server's own log lines) may carry a NUL anywhere; the database refuses it
    const storedTenant = storableText(tenant)
    for (const raw of entries) {
      const entry = storableJson(raw)
      if (this.#store({ ...entry, tenant: storedTenant })) accepted++
      this.#stream(tenant, entry, source)
    }
    return { accepted, dropped: entries.length - accepted }
  }

  /** Streams a connection event (already stored in `websocket_log`) as a log entry. */
  connectionEntry(draft: LogDraft): void {
    const entry: LogEntry = {
      timestamp: draft.createdAt,
      level: draft.level,
      service: 'gateway',
      context: draft.eventType,
      message: draft.message ?? draft.eventType,
      metadata: { connectionId: draft.connectionId, eventType: draft.eventType, ...(draft.metadata ?? {}) },
    }
    this.#stream(draft.tenant ?? SYSTEM_TENANT, entry, 'connection')
  }

  #stream(tenant: string, entry: LogEntry, source: string): void {
    const now = this.#now()
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now
      this.#windowCount = 0
    }
    if (++this.#windowCount > this.#maxPerSecond) {
      this.#metrics.dropped.inc({ reason: 'rate' })
      return
    }
    const target: Target = { kind: 'channel', tenant, channel: LOGS_CHANNEL }
    this.#publish({ type: eventTypeFor(entry.level), data: entry, target }).then(
      () => this.#metrics.published.inc({ source }),
      () => this.#metrics.dropped.inc({ reason: 'publish' }),
    )
  }
}

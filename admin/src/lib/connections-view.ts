import type { ConnectionRecord, WsConnectionStatus } from '@switchboard/shared'

/**
 * What the Connections table shows: the page of records from the API,
 * narrowed by a free-text search, sorted, and reconciled with live
 * `connection-status` events that may arrive before the registry has written
 * the row (its writes are batched).
 */
export interface ConnectionQuery {
  /** Words that must all appear in user, tenant, id, IP, user agent, roles or subscriptions. */
  search: string
  status: WsConnectionStatus | ''
}

export type SortKey = 'connectedAt' | 'user' | 'tenant' | 'messagesIn' | 'messagesOut' | 'lastPingAt'
export interface Sort {
  key: SortKey
  dir: 'asc' | 'desc'
}

export function haystack(c: ConnectionRecord): string {
  return [c.id, c.user, c.tenant, c.ip, c.userAgent, c.instanceId, c.status, c.type, ...c.roles, ...c.subscriptions]
    .filter((v): v is string => typeof v === 'string')
    .join(' ')
    .toLowerCase()
}

export function filterConnections(rows: readonly ConnectionRecord[], q: ConnectionQuery): ConnectionRecord[] {
  const words = q.search.toLowerCase().split(/\s+/).filter(Boolean)
  return rows.filter((c) => {
    if (q.status && c.status !== q.status) return false
    if (words.length === 0) return true
    const text = haystack(c)
    return words.every((w) => text.includes(w))
  })
}

const timeOf = (s: string | null) => (s ? Date.parse(s) : -Infinity)

export function sortConnections(rows: readonly ConnectionRecord[], sort: Sort): ConnectionRecord[] {
  const sign = sort.dir === 'asc' ? 1 : -1
  const value = (c: ConnectionRecord): number | string => {
    switch (sort.key) {
      case 'connectedAt':
        return timeOf(c.connectedAt ?? c.createdAt)
      case 'lastPingAt':
        return timeOf(c.lastPingAt)
      case 'messagesIn':
        return c.messagesIn
      case 'messagesOut':
        return c.messagesOut
      case 'user':
        return (c.user ?? '').toLowerCase()
      case 'tenant':
        return (c.tenant ?? '').toLowerCase()
    }
  }
  return [...rows].sort((a, b) => {
    const va = value(a)
    const vb = value(b)
    if (va < vb) return -sign
    if (va > vb) return sign
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  })
}

/** Live events the table has seen but the last fetched page does not reflect yet. */
export type Expectations = ReadonlyMap<string, boolean>

/** Records `connected` (true) or gone (false) for an id. */
export function expect(e: Expectations, connectionId: string, connected: boolean): Map<string, boolean> {
  const next = new Map(e)
  next.set(connectionId, connected)
  return next
}

/**
 * Drops the expectations a fresh page now satisfies; what is left calls for
 * another fetch shortly (the registry had not flushed yet). A connection
 * expected connected is satisfied by any row for it (it may already have
 * closed again); one expected gone by no row or a row not `connected`.
 */
export function settle(e: Expectations, rows: readonly ConnectionRecord[]): Map<string, boolean> {
  const byId = new Map(rows.map((r) => [r.id, r]))
  const left = new Map<string, boolean>()
  for (const [id, connected] of e) {
    const row = byId.get(id)
    const ok = connected ? row !== undefined : row === undefined || row.status !== 'connected'
    if (!ok) left.set(id, connected)
  }
  return left
}

/**
 * The rows to show: the fetched page, with rows the live events say have gone
 * already marked disconnected (so a closed connection never lingers as
 * connected while its row is being written).
 */
export function overlay(rows: readonly ConnectionRecord[], e: Expectations): ConnectionRecord[] {
  if (e.size === 0) return [...rows]
  return rows.map((r) => (e.get(r.id) === false && r.status === 'connected' ? { ...r, status: 'disconnected' as const, live: false } : r))
}

/** Row counts per status, for the filter chips. */
export function countByStatus(rows: readonly ConnectionRecord[]): Record<WsConnectionStatus, number> {
  const out: Record<WsConnectionStatus, number> = { connected: 0, disconnected: 0, error: 0, reconnecting: 0 }
  for (const r of rows) out[r.status]++
  return out
}

import type { LogEventType, LogQuery } from '@switchboard/shared'

/**
 * The Logs page's filter form, its time-range presets, and the query string
 * it becomes (for a page, and for the CSV/JSON export of the same filter).
 */
export type TimeRange = '15m' | '1h' | '24h' | '7d' | 'all' | 'custom'

export interface LogFilterForm {
  eventType: LogEventType | ''
  level: NonNullable<LogQuery['level']> | ''
  tenant: string
  connectionId: string
  text: string
  range: TimeRange
  /** `datetime-local` input values, used when `range` is `custom`. */
  from: string
  to: string
}

export const EMPTY_FILTER: LogFilterForm = {
  eventType: '',
  level: '',
  tenant: '',
  connectionId: '',
  text: '',
  range: '24h',
  from: '',
  to: '',
}

const RANGE_MS: Record<Exclude<TimeRange, 'all' | 'custom'>, number> = {
  '15m': 15 * 60_000,
  '1h': 3600_000,
  '24h': 24 * 3600_000,
  '7d': 7 * 24 * 3600_000,
}

/** A `datetime-local` value (local time, no zone) as an ISO instant; null when empty or invalid. */
export function localToIso(value: string): string | null {
  if (!value) return null
  const t = new Date(value).getTime()
  return Number.isNaN(t) ? null : new Date(t).toISOString()
}

export interface QueryResult {
  query: LogQuery
  error: string | null
}

/** The API query of a filter at time `now` (presets are relative to it). */
export function toQuery(f: LogFilterForm, now: number): QueryResult {
  const query: LogQuery = {}
  if (f.eventType) query.eventType = f.eventType
  if (f.level) query.level = f.level
  if (f.tenant.trim()) query.tenant = f.tenant.trim()
  if (f.connectionId.trim()) query.connectionId = f.connectionId.trim()
  if (f.text.trim()) query.q = f.text.trim().slice(0, 200)
  if (f.range === 'custom') {
    const from = localToIso(f.from)
    const to = localToIso(f.to)
    if (f.from && !from) return { query, error: 'The start time is not valid' }
    if (f.to && !to) return { query, error: 'The end time is not valid' }
    if (from && to && from > to) return { query, error: 'The start time is after the end time' }
    if (from) query.from = from
    if (to) query.to = to
  } else if (f.range !== 'all') {
    query.from = new Date(now - RANGE_MS[f.range]).toISOString()
  }
  return { query, error: null }
}

/** Query string for `/api/websocket/logs` (stable key order, so equal filters give equal URLs). */
export function toSearch(query: LogQuery): string {
  const params = new URLSearchParams()
  for (const key of Object.keys(query).sort() as (keyof LogQuery)[]) {
    const v = query[key]
    if (v !== undefined && v !== '') params.set(key, String(v))
  }
  const s = params.toString()
  return s ? `?${s}` : ''
}

/** The filter kept in the page URL, so a filtered view can be shared and survives reload. */
export function filterFromSearch(search: URLSearchParams): LogFilterForm {
  const pick = <T extends string>(key: string, allowed: readonly T[], fallback: T | ''): T | '' => {
    const v = search.get(key)
    return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : fallback
  }
  return {
    eventType: pick('eventType', ['connect', 'disconnect', 'error', 'message', 'action'] as const, ''),
    level: pick('level', ['debug', 'info', 'warning', 'error'] as const, ''),
    tenant: search.get('tenant') ?? '',
    connectionId: search.get('connectionId') ?? '',
    text: search.get('q') ?? '',
    range: (pick('range', ['15m', '1h', '24h', '7d', 'all', 'custom'] as const, '24h') || '24h') as TimeRange,
    from: search.get('from') ?? '',
    to: search.get('to') ?? '',
  }
}

export function filterToSearch(f: LogFilterForm): Record<string, string | undefined> {
  return {
    eventType: f.eventType || undefined,
    level: f.level || undefined,
    tenant: f.tenant || undefined,
    connectionId: f.connectionId || undefined,
    q: f.text || undefined,
    range: f.range === '24h' ? undefined : f.range,
    from: f.range === 'custom' ? f.from || undefined : undefined,
    to: f.range === 'custom' ? f.to || undefined : undefined,
  }
}

/** Does a live entry pass the filter (the tail shows only what the history list would)? */
export function matchesLive(
  entry: { level: string; tenant?: string | null; connectionId?: string | null; eventType?: string | null; message: string },
  f: LogFilterForm,
): boolean {
  if (f.level && entry.level !== f.level) return false
  if (f.eventType && entry.eventType !== f.eventType) return false
  if (f.tenant.trim() && entry.tenant && entry.tenant !== f.tenant.trim()) return false
  if (f.connectionId.trim() && entry.connectionId !== f.connectionId.trim()) return false
  if (f.text.trim() && !entry.message.toLowerCase().includes(f.text.trim().toLowerCase())) return false
  return true
}

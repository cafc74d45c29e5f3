import { useSearchParams } from '@solidjs/router'
import type { EventData, LogPage, WebsocketLogRecord } from '@switchboard/shared'
import { batch, createMemo, createResource, createSignal } from 'solid-js'
import { ApiError } from '../api.ts'
import { clear, emptyTail, pause, push, resume, type TailState } from '../lib/live-tail.ts'
import { filterFromSearch, filterToSearch, matchesLive, toQuery, type LogFilterForm } from '../lib/log-filters.ts'
import { onPush, useRealtime } from '../realtime.tsx'
import { useSession } from '../session.tsx'
import { useUi } from '../ui.tsx'

const TAIL_LIMIT = 300
const PAGE_SIZE = 50

/** A `log:*` push as the tail shows it. */
export interface LiveEntry {
  key: number
  timestamp: string
  level: EventData<'log:entry'>['level']
  service: string
  context: string | null
  message: string
  connectionId: string | null
  eventType: string | null
  kind: 'log:entry' | 'log:error' | 'log:warning'
}

/**
 * The Logs page's loader: the filter lives in the URL (shareable, survives a
 * reload), history is paged newest-first with the server's keyset cursor, the
 * live tail comes from the `logs` channel, and export downloads the current
 * filter as the server streams it.
 */
export function logsData() {
  const { api, principal } = useSession()
  const rt = useRealtime()
  const { toast } = useUi()
  const [params, setParams] = useSearchParams()

  const filter = createMemo<LogFilterForm>(() => {
    const search = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) if (typeof v === 'string') search.set(k, v)
    return filterFromSearch(search)
  })
  const setFilter = (patch: Partial<LogFilterForm>) => setParams(filterToSearch({ ...filter(), ...patch }), { replace: true })
  const resetFilter = () => setParams(Object.fromEntries(Object.keys(params).map((k) => [k, undefined])), { replace: true })

  const [nonce, setNonce] = createSignal(0)
  const [older, setOlder] = createSignal<WebsocketLogRecord[]>([])
  const [cursor, setCursor] = createSignal<number | null>(null)
  const [loadingOlder, setLoadingOlder] = createSignal(false)
  const queryError = createMemo(() => toQuery(filter(), Date.now()).error)

  const [first, { refetch }] = createResource(
    () => ({ f: filter(), n: nonce() }),
    async ({ f }): Promise<LogPage> => {
      const { query, error } = toQuery(f, Date.now())
      if (error) return { items: [], nextCursor: null }
      const page = await api.logs({ ...query, limit: PAGE_SIZE })
      batch(() => {
        setOlder([])
        setCursor(page.nextCursor)
      })
      return page
    },
  )

  const items = createMemo(() => {
    const p = first.state === 'ready' || first.state === 'refreshing' ? first.latest : undefined
    return p ? [...p.items, ...older()] : []
  })

  async function loadOlder(): Promise<void> {
    const before = cursor()
    if (before === null || loadingOlder()) return
    setLoadingOlder(true)
    try {
      const page = await api.logs({ ...toQuery(filter(), Date.now()).query, limit: PAGE_SIZE, before })
      batch(() => {
        setOlder((o) => [...o, ...page.items])
        setCursor(page.nextCursor)
      })
    } catch (err) {
      toast(`Could not load older entries: ${err instanceof Error ? err.message : String(err)}`, 'error')
    } finally {
      setLoadingOlder(false)
    }
  }

  // Live tail.
  const [tail, setTail] = createSignal<TailState<LiveEntry>>(emptyTail())
  let seq = 0
  const onLog = (kind: LiveEntry['kind']) => (d: EventData<'log:entry'>) => {
    const m = d.metadata ?? {}
    const entry: LiveEntry = {
      key: ++seq,
      timestamp: d.timestamp,
      level: d.level,
      service: d.service,
      context: d.context ?? null,
      message: d.message,
      connectionId: typeof m.connectionId === 'string' ? m.connectionId : null,
      eventType: typeof m.eventType === 'string' ? m.eventType : (d.context ?? null),
      kind,
    }
    if (matchesLive(entry, filter())) setTail((s) => push(s, entry, TAIL_LIMIT))
  }
  onPush('log:entry', onLog('log:entry'))
  onPush('log:warning', onLog('log:warning'))
  onPush('log:error', onLog('log:error'))

  // Export.
  const [exporting, setExporting] = createSignal<'csv' | 'json' | null>(null)
  async function exportAs(format: 'csv' | 'json'): Promise<void> {
    const { query, error } = toQuery(filter(), Date.now())
    if (error) return toast(error, 'error')
    setExporting(format)
    try {
      const { blob, filename } = await api.exportLogs(query, format)
      const url = URL.createObjectURL(blob)
      const a = document.createElement('a')
      a.href = url
      a.download = filename
      document.body.append(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
      toast(`Exported ${filename}`, 'success')
    } catch (err) {
      toast(err instanceof ApiError ? `Export failed: ${err.message}` : 'Export failed', 'error')
    } finally {
      setExporting(null)
    }
  }

  return {
    filter,
    setFilter,
    resetFilter,
    queryError,
    isAdmin: () => principal()?.isAdmin === true,
    items,
    loading: () => first.state === 'pending' || first.state === 'unresolved',
    refreshing: () => first.state === 'refreshing',
    error: () => first.error as unknown,
    refresh: () => setNonce((n) => n + 1),
    retry: () => void refetch(),
    hasOlder: () => cursor() !== null,
    loadingOlder,
    loadOlder,
    tail,
    tailAvailable: () => !rt.denied().includes('logs'),
    pauseTail: () => setTail((s) => pause(s)),
    resumeTail: () => setTail((s) => resume(s, TAIL_LIMIT)),
    clearTail: () => setTail((s) => clear(s)),
    exporting,
    exportAs,
  }
}

export type LogsData = ReturnType<typeof logsData>

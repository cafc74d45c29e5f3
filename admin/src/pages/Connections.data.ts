import type { ConnectionAction, ConnectionListResponse, ConnectionRecord, WsConnectionStatus } from '@switchboard/shared'
import { createEffect, createMemo, createResource, createSignal, on, onCleanup } from 'solid-js'
import { ApiError } from '../api.ts'
import { expect, filterConnections, overlay, settle, sortConnections, type Sort } from '../lib/connections-view.ts'
import { onPush, useRealtime } from '../realtime.tsx'
import { useSession } from '../session.tsx'
import { useUi } from '../ui.tsx'

/** How often counters (messages, last ping) are re-read while nothing else triggers a fetch. */
const REFRESH_MS = 5_000
/** Burst of connect/disconnect events coalesce into one fetch. */
const DEBOUNCE_MS = 120

export type StatusFilter = WsConnectionStatus | ''

export interface PendingAction {
  row: ConnectionRecord
  action: ConnectionAction
}

/**
 * The Connections page's loader: the registry page from the API, kept live by
 * `connection-status` pushes on `admin-dashboard` (and the gateway's
 * connect/disconnect log entries), a periodic refresh for counters, and the
 * control actions with their confirmation step.
 */
export function connectionsData() {
  const { api, principal } = useSession()
  const rt = useRealtime()
  const { toast } = useUi()

  const [status, setStatus] = createSignal<StatusFilter>('connected')
  const [tenant, setTenant] = createSignal('')
  const [search, setSearch] = createSignal('')
  const [sort, setSort] = createSignal<Sort>({ key: 'connectedAt', dir: 'desc' })
  const [expectations, setExpectations] = createSignal<Map<string, boolean>>(new Map())
  const [updatedAt, setUpdatedAt] = createSignal<number | null>(null)
  // The last page that loaded for the current filter: a failed refresh (server restarting) keeps it on screen.
  const [lastGood, setLastGood] = createSignal<ConnectionListResponse | null>(null)

  const [page, { refetch }] = createResource(
    () => ({ status: status() || undefined, tenant: tenant().trim() || undefined }),
    async (q) => {
      const result = await api.listConnections({ ...q, limit: 200 })
      setUpdatedAt(Date.now())
      setLastGood(result)
      return result
    },
  )
  createEffect(on([status, tenant], () => setLastGood(null), { defer: true }))

  let debounce: ReturnType<typeof setTimeout> | undefined
  const refetchSoon = (delay = DEBOUNCE_MS) => {
    clearTimeout(debounce)
    debounce = setTimeout(() => void refetch(), delay)
  }

  // The registry writes in batches: an event can arrive before its row. Ask again, backing off, until the page agrees.
  let catchUp = 0
  createEffect(
    on(
      () => (page.state === 'ready' ? page() : undefined),
      (p) => {
        if (!p) return
        const left = settle(expectations(), p.items)
        setExpectations(left)
        if (left.size > 0 && catchUp < 6) refetchSoon(200 * 2 ** catchUp++)
        else catchUp = 0
      },
    ),
  )

  const expectChange = (connectionId: string, connected: boolean) => {
    setExpectations((e) => expect(e, connectionId, connected))
    refetchSoon()
  }
  onPush('connection-status', (d) => expectChange(d.connectionId, d.connected))
  onPush('log:entry', (d) => {
    const m = d.metadata ?? {}
    if (d.service !== 'gateway' || typeof m.connectionId !== 'string') return
    if (m.eventType === 'connect') expectChange(m.connectionId, true)
    else if (m.eventType === 'disconnect') expectChange(m.connectionId, false)
  })
  // After the console's own socket comes back, the table may have missed events.
  onCleanup(rt.client.events.on('connected', () => refetchSoon()))

  // While the console's socket is down the server is likely away too: the banner says so, no point polling.
  const timer = setInterval(() => {
    if (document.visibilityState === 'visible' && rt.connected() && page.state !== 'pending' && page.state !== 'refreshing') void refetch()
  }, REFRESH_MS)
  onCleanup(() => {
    clearInterval(timer)
    clearTimeout(debounce)
  })

  const rows = createMemo(() => {
    const p = lastGood()
    const items = p ? overlay(p.items, expectations()) : []
    return sortConnections(filterConnections(items, { search: search(), status: status() }), sort())
  })

  const instanceCount = createMemo(() => new Set(rows().map((r) => r.instanceId)).size)

  // Control actions, each behind a confirmation.
  const [pending, setPending] = createSignal<PendingAction | null>(null)
  const [busy, setBusy] = createSignal(false)
  const ask = (row: ConnectionRecord, action: ConnectionAction) => setPending({ row, action })
  const cancel = () => setPending(null)
  const confirm = async () => {
    const p = pending()
    if (!p) return
    setBusy(true)
    try {
      const res = await api.connectionAction(p.row.id, p.action)
      toast(res.message || `${p.action} done`, res.success ? 'success' : 'error')
      if (p.action === 'stop' || p.action === 'restart') expectChange(p.row.id, false)
      else refetchSoon()
      setPending(null)
    } catch (err) {
      toast(err instanceof ApiError ? `${p.action} failed: ${err.message}` : `${p.action} failed`, 'error')
    } finally {
      setBusy(false)
    }
  }

  return {
    rows,
    total: () => lastGood()?.total,
    loading: () => lastGood() === null && (page.state === 'pending' || page.state === 'unresolved'),
    /** A failure with nothing to show instead. */
    error: () => (lastGood() === null ? (page.error as unknown) : undefined),
    /** A failed refresh while older rows stay on screen. */
    staleError: () => (lastGood() !== null && page.state === 'errored' ? (page.error as unknown) : undefined),
    updatedAt,
    instanceCount,
    refetch: () => void refetch(),
    status,
    setStatus,
    tenant,
    setTenant,
    canFilterTenant: () => principal()?.isAdmin === true,
    search,
    setSearch,
    sort,
    setSort,
    pending,
    busy,
    ask,
    cancel,
    confirm,
  }
}

export type ConnectionsData = ReturnType<typeof connectionsData>

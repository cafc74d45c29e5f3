import type { RouteSectionProps } from '@solidjs/router'
import type { ConnectionAction, ConnectionRecord } from '@switchboard/shared'
import { createSignal, For, onCleanup, Show } from 'solid-js'
import { ConfirmDialog, type ConfirmRequest } from '../components/ConfirmDialog.tsx'
import { Icon } from '../components/Icon.tsx'
import { PageHeader } from '../components/PageHeader.tsx'
import { Segmented } from '../components/Segmented.tsx'
import { EmptyState, ErrorState, Skeleton } from '../components/States.tsx'
import { formatClock, formatCount, formatDuration, formatRelative, summarizeUserAgent, truncateMiddle } from '../lib/format.ts'
import type { SortKey } from '../lib/connections-view.ts'
import type { ConnectionsData, StatusFilter } from './Connections.data.ts'

const ACTION_TEXT: Record<ConnectionAction, { title: string; label: string; body: string; danger: boolean }> = {
  stop: {
    title: 'Disconnect this client?',
    label: 'Disconnect',
    body: 'The socket is closed with code 4004 and auto-reconnect is turned off: the client is told not to come back.',
    danger: true,
  },
  restart: {
    title: 'Restart this connection?',
    label: 'Restart',
    body: 'The socket is closed with code 4100; the client reconnects straight away.',
    danger: false,
  },
  start: {
    title: 'Allow this client back?',
    label: 'Allow reconnect',
    body: 'Auto-reconnect is turned back on. Only the client can open its socket again.',
    danger: false,
  },
  'toggle-reconnect': {
    title: 'Change auto-reconnect?',
    label: 'Change',
    body: 'Only the flag changes; the connection stays as it is.',
    danger: false,
  },
}

function useNow(ms = 1000) {
  const [now, setNow] = createSignal(Date.now())
  const t = setInterval(() => setNow(Date.now()), ms)
  onCleanup(() => clearInterval(t))
  return now
}

export default function Connections(props: RouteSectionProps<ConnectionsData>) {
  const d = props.data
  const now = useNow()

  const request = (): ConfirmRequest | null => {
    const p = d.pending()
    if (!p) return null
    const text = ACTION_TEXT[p.action]
    const flip = p.action === 'toggle-reconnect' ? ` Auto-reconnect goes ${p.row.autoReconnect ? 'off' : 'on'}.` : ''
    return {
      title: text.title,
      confirmLabel: text.label,
      danger: text.danger,
      body: (
        <>
          <p>
            <strong>{p.row.user ?? 'unauthenticated'}</strong> @ {p.row.tenant ?? '—'} · <code>{truncateMiddle(p.row.id, 20)}</code>
          </p>
          <p class="muted">
            {text.body}
            {flip} The action is written to the audit log under your name.
          </p>
        </>
      ),
    }
  }

  const sortBy = (key: SortKey) =>
    d.setSort((s) => (s.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'user' || key === 'tenant' ? 'asc' : 'desc' }))
  const SortHeader = (p: { key: SortKey; label: string }) => (
    <th aria-sort={d.sort().key === p.key ? (d.sort().dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" class="th-button" onClick={() => sortBy(p.key)}>
        {p.label}
        <span class="sort-mark" aria-hidden="true">
          {d.sort().key === p.key ? (d.sort().dir === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
    </th>
  )

  return (
    <>
      <PageHeader
        title="Connections"
        subtitle={
          <>
            <Show when={d.total() !== undefined} fallback="Loading the registry…">
              {d.rows().length} shown of {d.total()} {d.status() ? d.status() : 'recorded'} · updated {d.updatedAt() ? formatClock(d.updatedAt()!) : '—'}
            </Show>
          </>
        }
        actions={
          <button type="button" class="button" onClick={d.refetch}>
            <Icon name="refresh" size={16} /> Refresh
          </button>
        }
      />
      <div class="toolbar">
        <Segmented<StatusFilter>
          label="Status"
          value={d.status()}
          onChange={d.setStatus}
          options={[
            { value: 'connected', label: 'Connected' },
            { value: '', label: 'All' },
            { value: 'disconnected', label: 'Disconnected' },
            { value: 'error', label: 'Errors' },
          ]}
        />
        <label class="search">
          <Icon name="search" size={16} />
          <span class="visually-hidden">Search connections</span>
          <input
            type="search"
            placeholder="Search user, tenant, IP, role, channel…"
            value={d.search()}
            onInput={(e) => d.setSearch(e.currentTarget.value)}
            data-testid="connection-search"
          />
        </label>
        <Show when={d.canFilterTenant()}>
          <label class="inline-field">
            <span>Tenant</span>
            <input type="text" placeholder="any" value={d.tenant()} onChange={(e) => d.setTenant(e.currentTarget.value)} size={12} />
          </label>
        </Show>
      </div>

      <Show when={d.staleError()}>
        {(err) => (
          <p class="notice notice-inline" role="status">
            <Icon name="alert" size={16} /> Showing the rows of {d.updatedAt() ? formatClock(d.updatedAt()!) : 'earlier'}: the last refresh failed ({err() instanceof Error ? (err() as Error).message : String(err())}).
          </p>
        )}
      </Show>
      <Show
        when={!d.error()}
        fallback={
          <ErrorState
            title={(d.error() as { status?: number }).status === 404 ? 'This server keeps no connection registry (the database is disabled)' : 'The connection registry could not be loaded'}
            error={d.error()}
            onRetry={d.refetch}
          />
        }
      >
        <Show when={!d.loading()} fallback={<Skeleton rows={5} />}>
          <Show
            when={d.rows().length > 0}
            fallback={
              <EmptyState icon="plug" title={d.search() ? 'No connection matches your search' : d.status() === 'connected' ? 'No client is connected' : 'No connections recorded'}>
                <Show when={!d.search()} fallback={<p>Clear the search or pick another status.</p>}>
                  <p>
                    Clients appear here the moment they connect to <code>/ws</code> or <code>/ws/connect</code>.
                  </p>
                </Show>
              </EmptyState>
            }
          >
            <div class="table-wrap">
              <table class="table table-cards" data-testid="connections-table">
                <thead>
                  <tr>
                    <th>Status</th>
                    <SortHeader key="user" label="User" />
                    <SortHeader key="tenant" label="Tenant" />
                    <th>Roles</th>
                    <th>Client</th>
                    <SortHeader key="connectedAt" label="Connected" />
                    <SortHeader key="lastPingAt" label="Last ping" />
                    <th>Subscriptions</th>
                    <SortHeader key="messagesIn" label="In / out" />
                    <th>
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={d.rows()}>{(row) => <Row row={row} now={now()} onAction={d.ask} showInstance={d.instanceCount() > 1} />}</For>
                </tbody>
              </table>
            </div>
          </Show>
        </Show>
      </Show>
      <ConfirmDialog request={request()} busy={d.busy()} onConfirm={() => void d.confirm()} onCancel={d.cancel} />
    </>
  )
}

function Row(props: {
  row: ConnectionRecord
  now: number
  onAction: (row: ConnectionRecord, action: ConnectionAction) => void
  /** Several instances in view: say which one holds each connection. */
  showInstance: boolean
}) {
  const r = () => props.row
  const since = () => r().connectedAt ?? r().createdAt
  const open = () => r().status === 'connected'
  return (
    <tr data-connection-id={r().id} data-status={r().status} class={open() ? '' : 'row-muted'}>
      <td data-label="Status">
        <span class={`status status-${r().status}`}>
          <span class="dot" aria-hidden="true" />
          {r().status}
        </span>
        <Show when={!open() && r().closeCode !== null}>
          <span class="sub" title={r().closeReason ?? ''}>
            code {r().closeCode}
          </span>
        </Show>
      </td>
      <td data-label="User" class="nowrap">
        <span class="strong">{r().user ?? 'unauthenticated'}</span>
        <span class="sub mono" title={r().id}>
          {truncateMiddle(r().id, 14)}
        </span>
      </td>
      <td data-label="Tenant">{r().tenant ?? '—'}</td>
      <td data-label="Roles">
        <div class="chips">
          <For each={r().roles} fallback={<span class="muted">—</span>}>
            {(role) => <span class="chip">{role}</span>}
          </For>
        </div>
      </td>
      <td data-label="Client" class="nowrap">
        <span title={r().userAgent ?? ''}>{summarizeUserAgent(r().userAgent)}</span>
        <span class="sub mono">{r().ip ?? '—'}</span>
      </td>
      <td data-label="Connected" class="nowrap" title={`${since()} on ${r().instanceId ?? 'unknown instance'}`}>
        <Show when={open()} fallback={<>closed {formatRelative(r().disconnectedAt ?? r().updatedAt, props.now)}</>}>
          {formatDuration(props.now - Date.parse(since()))}
        </Show>
        <span class="sub">
          {formatClock(since())}
          <Show when={props.showInstance}>
            {' · '}
            <span class="mono">{truncateMiddle(r().instanceId ?? '—', 14)}</span>
          </Show>
        </span>
      </td>
      <td data-label="Last ping" class="nowrap">
        {formatRelative(r().lastPingAt, props.now)}
      </td>
      <td data-label="Subscriptions">
        <div class="chips">
          <For each={r().subscriptions.slice(0, 4)} fallback={<span class="muted">none</span>}>
            {(ch) => <span class="chip chip-channel">{ch}</span>}
          </For>
          <Show when={r().subscriptions.length > 4}>
            <span class="chip" title={r().subscriptions.join(', ')}>
              +{r().subscriptions.length - 4}
            </span>
          </Show>
        </div>
      </td>
      <td data-label="In / out" class="num nowrap" title={`${r().messagesIn} frames received, ${r().messagesOut} sent`}>
        {formatCount(r().messagesIn)} <span class="muted">/</span> {formatCount(r().messagesOut)}
      </td>
      <td data-label="Actions" class="actions-cell">
        <div class="row-actions">
          <label class="switch" title="Auto-reconnect">
            <input
              type="checkbox"
              role="switch"
              checked={r().autoReconnect}
              onClick={(e) => {
                e.preventDefault()
                props.onAction(r(), 'toggle-reconnect')
              }}
              aria-label={`Auto-reconnect for ${r().user ?? r().id}`}
            />
            <span class="switch-track" aria-hidden="true" />
            <span class="switch-label">Auto-reconnect</span>
          </label>
          <Show
            when={open()}
            fallback={
              <Show when={!r().autoReconnect}>
                <button type="button" class="button button-small" onClick={() => props.onAction(r(), 'start')}>
                  <Icon name="play" size={14} /> Allow
                </button>
              </Show>
            }
          >
            <button
              type="button"
              class="button button-small button-icon"
              onClick={() => props.onAction(r(), 'restart')}
              aria-label={`Restart ${r().user ?? r().id}`}
              title="Restart: close with 4100, the client reconnects"
            >
              <Icon name="rotate" size={15} />
              <span class="button-text">Restart</span>
            </button>
            <button
              type="button"
              class="button button-small button-icon button-danger-ghost"
              onClick={() => props.onAction(r(), 'stop')}
              aria-label={`Disconnect ${r().user ?? r().id}`}
              title="Disconnect: close with 4004, auto-reconnect off"
              data-testid="disconnect"
            >
              <Icon name="power" size={15} />
              <span class="button-text">Disconnect</span>
            </button>
          </Show>
        </div>
      </td>
    </tr>
  )
}

import type { RouteSectionProps } from '@solidjs/router'
import type { WebsocketLogRecord } from '@switchboard/shared'
import { For, Show } from 'solid-js'
import { Icon } from '../components/Icon.tsx'
import { PageHeader } from '../components/PageHeader.tsx'
import { EmptyState, ErrorState, Skeleton } from '../components/States.tsx'
import { formatClock, formatDateTime, truncateMiddle } from '../lib/format.ts'
import type { LogFilterForm, TimeRange } from '../lib/log-filters.ts'
import type { LiveEntry, LogsData } from './Logs.data.ts'

const RANGES: { value: TimeRange; label: string }[] = [
  { value: '15m', label: 'Last 15 minutes' },
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: 'all', label: 'All time' },
  { value: 'custom', label: 'Custom range' },
]

export default function Logs(props: RouteSectionProps<LogsData>) {
  const d = props.data
  const f = () => d.filter()
  const set = (patch: Partial<LogFilterForm>) => d.setFilter(patch)

  return (
    <>
      <PageHeader
        title="Logs"
        subtitle="Connection events and the audit trail of every operator action, with the live stream of the logs channel."
        actions={
          <>
            <button type="button" class="button" onClick={() => void d.exportAs('csv')} disabled={d.exporting() !== null} data-testid="export-csv">
              <Icon name="download" size={16} /> {d.exporting() === 'csv' ? 'Exporting…' : 'CSV'}
            </button>
            <button type="button" class="button" onClick={() => void d.exportAs('json')} disabled={d.exporting() !== null}>
              <Icon name="download" size={16} /> {d.exporting() === 'json' ? 'Exporting…' : 'JSON'}
            </button>
          </>
        }
      />

      <form class="filters card" role="search" aria-label="Log filters" onSubmit={(e) => e.preventDefault()} data-testid="log-filters">
        <label class="field">
          <span class="field-label">Event</span>
          <select value={f().eventType} onChange={(e) => set({ eventType: e.currentTarget.value as LogFilterForm['eventType'] })} name="eventType">
            <option value="">Any event</option>
            <option value="connect">connect</option>
            <option value="disconnect">disconnect</option>
            <option value="action">action (audit)</option>
            <option value="error">error</option>
            <option value="message">message</option>
          </select>
        </label>
        <label class="field">
          <span class="field-label">Level</span>
          <select value={f().level} onChange={(e) => set({ level: e.currentTarget.value as LogFilterForm['level'] })} name="level">
            <option value="">Any level</option>
            <option value="debug">debug</option>
            <option value="info">info</option>
            <option value="warning">warning</option>
            <option value="error">error</option>
          </select>
        </label>
        <Show when={d.isAdmin()}>
          <label class="field">
            <span class="field-label">Tenant</span>
            <input type="text" value={f().tenant} placeholder="any" onChange={(e) => set({ tenant: e.currentTarget.value })} name="tenant" />
          </label>
        </Show>
        <label class="field">
          <span class="field-label">Connection</span>
          <input type="text" value={f().connectionId} placeholder="connection id" onChange={(e) => set({ connectionId: e.currentTarget.value })} name="connectionId" class="mono" />
        </label>
        <label class="field field-grow">
          <span class="field-label">Text</span>
          <input type="search" value={f().text} placeholder="words in the message" onChange={(e) => set({ text: e.currentTarget.value })} name="q" />
        </label>
        <label class="field">
          <span class="field-label">Time</span>
          <select value={f().range} onChange={(e) => set({ range: e.currentTarget.value as TimeRange })} name="range">
            <For each={RANGES}>{(r) => <option value={r.value}>{r.label}</option>}</For>
          </select>
        </label>
        <Show when={f().range === 'custom'}>
          <label class="field">
            <span class="field-label">From</span>
            <input type="datetime-local" value={f().from} onChange={(e) => set({ from: e.currentTarget.value })} />
          </label>
          <label class="field">
            <span class="field-label">To</span>
            <input type="datetime-local" value={f().to} onChange={(e) => set({ to: e.currentTarget.value })} />
          </label>
        </Show>
        <div class="filters-buttons">
          <button type="button" class="button button-ghost" onClick={d.resetFilter}>
            Reset
          </button>
          <button type="button" class="button" onClick={d.refresh} aria-label="Reload">
            <Icon name="refresh" size={16} />
          </button>
        </div>
        <Show when={d.queryError()}>
          <p class="field-error" role="alert">
            {d.queryError()}
          </p>
        </Show>
      </form>

      <LiveTail d={d} />

      <section class="card" aria-labelledby="history-title">
        <div class="card-head">
          <h2 id="history-title">History</h2>
          <Show when={d.refreshing()}>
            <span class="muted">updating…</span>
          </Show>
        </div>
        <Show when={!d.error()} fallback={<ErrorState title="The logs could not be loaded" error={d.error()} onRetry={d.retry} />}>
          <Show when={!d.loading()} fallback={<Skeleton rows={6} />}>
            <Show
              when={d.items().length > 0}
              fallback={
                <EmptyState icon="logs" title="No log entry matches">
                  <p>Widen the time range or clear a filter.</p>
                </EmptyState>
              }
            >
              <div class="table-wrap">
                <table class="table table-cards table-logs" data-testid="logs-table">
                  <thead>
                    <tr>
                      <th>Time</th>
                      <th>Level</th>
                      <th>Event</th>
                      <th>Tenant</th>
                      <th>Connection</th>
                      <th>Message</th>
                      <th>Who</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={d.items()}>{(row) => <HistoryRow row={row} />}</For>
                  </tbody>
                </table>
              </div>
              <div class="table-foot">
                <span class="muted">{d.items().length} entries</span>
                <Show when={d.hasOlder()}>
                  <button type="button" class="button" onClick={() => void d.loadOlder()} disabled={d.loadingOlder()}>
                    {d.loadingOlder() ? 'Loading…' : 'Load older'}
                  </button>
                </Show>
              </div>
            </Show>
          </Show>
        </Show>
      </section>
    </>
  )
}

function HistoryRow(props: { row: WebsocketLogRecord }) {
  const r = () => props.row
  return (
    <tr data-level={r().level} data-event={r().eventType}>
      <td data-label="Time" class="nowrap" title={r().createdAt}>
        {formatDateTime(r().createdAt)}
      </td>
      <td data-label="Level">
        <span class={`level level-${r().level}`}>{r().level}</span>
      </td>
      <td data-label="Event">
        <span class="chip">{r().eventType}</span>
      </td>
      <td data-label="Tenant">{r().tenant ?? '—'}</td>
      <td data-label="Connection" class="mono" title={r().connectionId ?? ''}>
        {r().connectionId ? truncateMiddle(r().connectionId!, 14) : '—'}
      </td>
      <td data-label="Message" class="message">
        {r().message ?? '—'}
        <Show when={r().errorDetails}>
          <span class="sub err-text">{r().errorDetails}</span>
        </Show>
      </td>
      <td data-label="Who">
        <Show when={r().actor} fallback={<span class="muted">system</span>}>
          <span class="strong">{r().actor}</span>
          <span class="sub mono">{r().ip ?? ''}</span>
        </Show>
      </td>
    </tr>
  )
}

function LiveTail(props: { d: LogsData }) {
  const d = props.d
  const t = () => d.tail()
  return (
    <section class="card live-tail" aria-labelledby="tail-title" data-testid="live-tail">
      <div class="card-head">
        <h2 id="tail-title">
          Live tail
          <Show
            when={d.tailAvailable()}
            fallback={<span class="pill pill-err">unavailable</span>}
          >
            <Show when={t().paused} fallback={<span class="pill pill-ok"><span class="dot" aria-hidden="true" /> streaming</span>}>
              <span class="pill pill-warn">paused{t().held.length ? ` · ${t().held.length} new` : ''}</span>
            </Show>
          </Show>
        </h2>
        <div class="card-actions">
          <Show
            when={t().paused}
            fallback={
              <button type="button" class="button button-small" onClick={d.pauseTail} data-testid="tail-pause">
                <Icon name="pause" size={14} /> Pause
              </button>
            }
          >
            <button type="button" class="button button-small button-primary" onClick={d.resumeTail} data-testid="tail-resume">
              <Icon name="play" size={14} /> Resume{t().held.length ? ` (${t().held.length})` : ''}
            </button>
          </Show>
          <button type="button" class="button button-small button-ghost" onClick={d.clearTail}>
            Clear
          </button>
        </div>
      </div>
      <Show when={d.tailAvailable()} fallback={<p class="muted pad">Your role cannot join the <code>logs</code> channel.</p>}>
        <Show when={t().items.length > 0} fallback={<p class="muted pad">Waiting for entries matching the filter… connect a client or send an event to see one.</p>}>
          <ol class="tail-list" aria-live="off">
            <For each={t().items}>{(e) => <TailItem e={e} />}</For>
          </ol>
        </Show>
      </Show>
    </section>
  )
}

function TailItem(props: { e: LiveEntry }) {
  return (
    <li class={`tail-item tail-${props.e.level}`}>
      <time class="mono muted" datetime={props.e.timestamp}>
        {formatClock(props.e.timestamp)}
      </time>
      <span class={`level level-${props.e.level}`}>{props.e.level}</span>
      <span class="tail-source">
        {props.e.service}
        <Show when={props.e.context}>/{props.e.context}</Show>
      </span>
      <span class="tail-message">{props.e.message}</span>
      <Show when={props.e.connectionId}>
        <span class="mono muted tail-conn" title={props.e.connectionId!}>
          {truncateMiddle(props.e.connectionId!, 12)}
        </span>
      </Show>
    </li>
  )
}

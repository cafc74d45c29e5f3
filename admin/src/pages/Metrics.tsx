import type { RouteSectionProps } from '@solidjs/router'
import { For, Show } from 'solid-js'
import { Chart } from '../components/Chart.tsx'
import { Icon } from '../components/Icon.tsx'
import { PageHeader } from '../components/PageHeader.tsx'
import { StatCard } from '../components/StatCard.tsx'
import { EmptyState, ErrorState } from '../components/States.tsx'
import { formatCount, formatDuration, formatLatency, formatRate, truncateMiddle } from '../lib/format.ts'
import { useUi } from '../ui.tsx'
import type { MetricsData } from './Metrics.data.ts'

const count = (v: number | null) => (v === null ? '—' : formatCount(v))
const perSec = (v: number | null) => formatRate(v)
const ms = (v: number | null) => formatLatency(v)

export default function Metrics(props: RouteSectionProps<MetricsData>) {
  const d = props.data
  const { theme } = useUi()
  const s = () => d.stats()?.stats
  const p = () => d.latest()
  const entries = (o: Record<string, number> | undefined) => Object.entries(o ?? {}).sort((a, b) => b[1] - a[1])

  return (
    <>
      <PageHeader
        title="Metrics"
        subtitle={
          <Show when={s()} fallback="Sampling every 2 seconds…">
            Instance <code>{truncateMiddle(s()!.instance_id, 28)}</code> · up {formatDuration((s()!.uptime_seconds ?? 0) * 1000)} · sampled every 2 s
          </Show>
        }
        actions={
          <button type="button" class="button" onClick={d.toggle} aria-pressed={!d.running()}>
            <Icon name={d.running() ? 'pause' : 'play'} size={16} /> {d.running() ? 'Pause' : 'Resume'}
          </button>
        }
      />
      <Show when={d.error()}>
        <ErrorState title="Sampling failed; retrying every 2 seconds" error={d.error()} onRetry={d.sampleNow} />
      </Show>

      <div class="stats-grid" data-testid="metric-cards">
        <StatCard label="Connections" value={count(s()?.total_connections ?? null)} hint={`${s()?.unique_users ?? '—'} users · ${s()?.unauthenticated_connections ?? 0} unauthenticated`} />
        <StatCard label="Messages in" value={perSec(p()?.inRate ?? null)} hint={`${count(s()?.metrics.total_messages_received ?? null)} total`} />
        <StatCard label="Messages out" value={perSec(p()?.outRate ?? null)} hint={`${count(s()?.metrics.total_messages_sent ?? null)} total · ${count(s()?.metrics.total_broadcasts ?? null)} broadcasts`} />
        <StatCard label="Errors" value={perSec(p()?.errorRate ?? null)} tone={(p()?.errorRate ?? 0) > 0 ? 'warn' : undefined} hint={`${count(s()?.metrics.total_send_errors ?? null)} send errors`} />
        <StatCard label="Heartbeat timeouts" value={count(s()?.metrics.heartbeat_timeouts ?? null)} tone={(s()?.metrics.heartbeat_timeouts ?? 0) > 0 ? 'warn' : undefined} hint={`${count(s()?.metrics.slow_consumer_closes ?? null)} slow-consumer closes`} />
        <StatCard
          label="Publish → send"
          value={p()?.p50 == null ? <span class="muted">idle</span> : ms(p()!.p50)}
          hint={p()?.p50 == null ? 'no publish in the last 2 s' : <>p50 · p99 {ms(p()?.p99 ?? null)}</>}
        />
      </div>

      <div class="charts-grid">
        <Chart title="Connections" theme={theme.resolved} data={d.connections} series={[{ label: 'open', color: '--chart-1', format: count, fill: true }]} />
        <Chart
          title="Messages per second"
          theme={theme.resolved}
          data={d.throughput}
          series={[
            { label: 'in', color: '--chart-2', format: perSec },
            { label: 'out', color: '--chart-1', format: perSec },
          ]}
        />
        <Chart
          title="Publish → send latency"
          theme={theme.resolved}
          data={d.latency}
          series={[
            { label: 'p50', color: '--chart-3', format: ms },
            { label: 'p99', color: '--chart-4', format: ms },
          ]}
        />
        <Chart title="Errors per second" theme={theme.resolved} data={d.errors} series={[{ label: 'errors', color: '--chart-4', format: perSec, fill: true }]} />
        <Chart title="Heartbeat timeouts (total)" theme={theme.resolved} data={d.timeouts} series={[{ label: 'timeouts', color: '--chart-5', format: count }]} />
      </div>

      <div class="split">
        <section class="card" aria-labelledby="instances-title">
          <div class="card-head">
            <h2 id="instances-title">Instances</h2>
            <span class="muted">{d.instances().length} reporting</span>
          </div>
          <Show when={d.instances().length > 0} fallback={<EmptyState icon="server" title="No sample yet" />}>
            <div class="table-wrap">
              <table class="table table-cards">
                <thead>
                  <tr>
                    <th>Instance</th>
                    <th class="num">Connections</th>
                    <th class="num">In/s</th>
                    <th class="num">Out/s</th>
                    <th class="num">p99</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={d.instances()}>
                    {(i) => (
                      <tr>
                        <td data-label="Instance" class="mono" title={i.instance}>
                          {truncateMiddle(i.instance, 28)}
                        </td>
                        <td data-label="Connections" class="num">
                          {formatCount(i.connections)}
                        </td>
                        <td data-label="In/s" class="num">
                          {perSec(i.inRate)}
                        </td>
                        <td data-label="Out/s" class="num">
                          {perSec(i.outRate)}
                        </td>
                        <td data-label="p99" class="num">
                          {ms(i.p99)}
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        </section>
        <section class="card" aria-labelledby="breakdown-title">
          <div class="card-head">
            <h2 id="breakdown-title">Breakdown</h2>
          </div>
          <h3 class="mini-title">By role</h3>
          <Bars entries={entries(s()?.connections_by_role)} />
          <Show when={s()?.connections_by_tenant}>
            <h3 class="mini-title">By tenant</h3>
            <Bars entries={entries(s()?.connections_by_tenant)} />
          </Show>
        </section>
      </div>
    </>
  )
}

function Bars(props: { entries: [string, number][] }) {
  const max = () => Math.max(1, ...props.entries.map(([, v]) => v))
  return (
    <Show when={props.entries.length > 0} fallback={<p class="muted pad">Nobody connected.</p>}>
      <ul class="bars">
        <For each={props.entries.slice(0, 12)}>
          {([name, value]) => (
            <li>
              <span class="bar-name">{name}</span>
              <span class="bar-track" aria-hidden="true">
                <span class="bar-fill" style={{ width: `${(value / max()) * 100}%` }} />
              </span>
              <span class="bar-value num">{value}</span>
            </li>
          )}
        </For>
      </ul>
    </Show>
  )
}

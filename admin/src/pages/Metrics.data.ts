import type { StatsResponse } from '@switchboard/shared'
import { createSignal, onCleanup } from 'solid-js'
import { MetricsSeries, scrapeOf, type Point } from '../lib/metrics-series.ts'
import { parsePrometheus } from '../lib/prometheus.ts'
import { useSession } from '../session.tsx'

/** One scrape every 2 s: enough for a live feel, nothing for the server (two small GETs). */
export const SAMPLE_MS = 2_000
/** 10 minutes of points. */
const CAPACITY = 300

/**
 * The Metrics page's loader: samples `/ws/stats` and `/metrics` on a timer
 * (paused while the tab is hidden) into a bounded series for the charts.
 */
export function metricsData() {
  const { api } = useSession()
  const series = new MetricsSeries(CAPACITY)
  const [version, setVersion] = createSignal(0)
  const [stats, setStats] = createSignal<StatsResponse | null>(null)
  const [latest, setLatest] = createSignal<Point | null>(null)
  const [error, setError] = createSignal<unknown>(null)
  const [running, setRunning] = createSignal(true)

  let busy = false
  async function sample(): Promise<void> {
    if (busy) return
    busy = true
    try {
      const [s, text] = await Promise.all([api.stats(), api.metricsText()])
      const point = series.add(scrapeOf(parsePrometheus(text), s.stats.instance_id, Date.now()))
      setStats(s)
      setLatest(point)
      setError(null)
      setVersion((v) => v + 1)
    } catch (err) {
      setError(err)
    } finally {
      busy = false
    }
  }

  void sample()
  const timer = setInterval(() => {
    if (running() && document.visibilityState === 'visible') void sample()
  }, SAMPLE_MS)
  onCleanup(() => clearInterval(timer))

  /** uPlot columns of some fields; re-read whenever a sample lands. */
  const columns = (fields: Parameters<MetricsSeries['columns']>[0]) => () => {
    version()
    return series.columns(fields)
  }

  return {
    stats,
    latest,
    error,
    running,
    toggle: () => setRunning((r) => !r),
    sampleNow: () => void sample(),
    instances: () => {
      version()
      return series.instances(Date.now())
    },
    connections: columns(['connections']),
    throughput: columns(['inRate', 'outRate']),
    errors: columns(['errorRate']),
    timeouts: columns(['heartbeatTimeouts']),
    latency: columns(['p50', 'p99']),
  }
}

export type MetricsData = ReturnType<typeof metricsData>

import { bucketsDelta, bucketsOf, quantile, sumOf, type Buckets, type Metrics } from './prometheus.ts'

/**
 * Time series for the Metrics page, built from periodic scrapes of one
 * instance's counters. Counters become rates by differencing consecutive
 * scrapes of the SAME instance (behind a load balancer successive scrapes may
 * reach different instances), and the cluster-wide point sums the latest
 * figures of every instance heard from recently.
 */
export interface Scrape {
  at: number
  instance: string
  connections: number
  messagesIn: number
  messagesOut: number
  errors: number
  heartbeatTimeouts: number
  /** publish→send latency histogram, cumulative, bounds in seconds */
  latency: Buckets | null
}

export interface InstancePoint {
  at: number
  instance: string
  connections: number
  inRate: number | null
  outRate: number | null
  errorRate: number | null
  heartbeatTimeouts: number
  /** ms, over the interval since the previous scrape */
  p50: number | null
  p99: number | null
}

export interface Point {
  at: number
  connections: number
  inRate: number | null
  outRate: number | null
  errorRate: number | null
  heartbeatTimeouts: number
  p50: number | null
  p99: number | null
  instances: number
}

export const METRIC_NAMES = {
  connections: 'switchboard_ws_connections',
  messagesIn: 'switchboard_ws_messages_in_total',
  messagesOut: 'switchboard_ws_messages_out_total',
  errors: 'switchboard_ws_errors_total',
  timeouts: 'switchboard_ws_timeouts_total',
  latency: 'switchboard_publish_to_send_seconds',
} as const

/** Reads one scrape out of a parsed `/metrics` page. */
export function scrapeOf(metrics: Metrics, instance: string, at: number): Scrape {
  return {
    at,
    instance,
    connections: sumOf(metrics, METRIC_NAMES.connections) ?? 0,
    messagesIn: sumOf(metrics, METRIC_NAMES.messagesIn) ?? 0,
    messagesOut: sumOf(metrics, METRIC_NAMES.messagesOut) ?? 0,
    errors: sumOf(metrics, METRIC_NAMES.errors) ?? 0,
    heartbeatTimeouts: sumOf(metrics, METRIC_NAMES.timeouts, { kind: 'heartbeat' }) ?? 0,
    latency: bucketsOf(metrics, METRIC_NAMES.latency),
  }
}

/** Per-second rate of a counter between two scrapes; null after a reset (a restarted instance) or with no time elapsed. */
export function rate(previous: number, current: number, seconds: number): number | null {
  if (seconds <= 0 || current < previous) return null
  return (current - previous) / seconds
}

export class MetricsSeries {
  readonly #capacity: number
  readonly #staleMs: number
  readonly #last = new Map<string, { scrape: Scrape; point: InstancePoint }>()
  #points: Point[] = []

  /** `capacity` points kept; an instance silent for `staleMs` leaves the totals. */
  constructor(capacity = 300, staleMs = 30_000) {
    this.#capacity = capacity
    this.#staleMs = staleMs
  }

  add(scrape: Scrape): Point {
    const prev = this.#last.get(scrape.instance)?.scrape
    const seconds = prev ? (scrape.at - prev.at) / 1000 : 0
    const interval = scrape.latency ? bucketsDelta(prev?.latency ?? null, scrape.latency) : null
    const toMs = (s: number | null) => (s === null ? null : s * 1000)
    const point: InstancePoint = {
      at: scrape.at,
      instance: scrape.instance,
      connections: scrape.connections,
      inRate: prev ? rate(prev.messagesIn, scrape.messagesIn, seconds) : null,
      outRate: prev ? rate(prev.messagesOut, scrape.messagesOut, seconds) : null,
      errorRate: prev ? rate(prev.errors, scrape.errors, seconds) : null,
      heartbeatTimeouts: scrape.heartbeatTimeouts,
      p50: interval ? toMs(quantile(interval, 0.5)) : null,
      p99: interval ? toMs(quantile(interval, 0.99)) : null,
    }
    this.#last.set(scrape.instance, { scrape, point })

    const live = this.instances(scrape.at)
    const sum = (pick: (p: InstancePoint) => number | null): number | null => {
      const values = live.map(pick).filter((v): v is number => v !== null)
      return values.length === 0 ? null : values.reduce((a, b) => a + b, 0)
    }
    const max = (pick: (p: InstancePoint) => number | null): number | null => {
      const values = live.map(pick).filter((v): v is number => v !== null)
      return values.length === 0 ? null : Math.max(...values)
    }
    const total: Point = {
      at: scrape.at,
      connections: sum((p) => p.connections) ?? 0,
      inRate: sum((p) => p.inRate),
      outRate: sum((p) => p.outRate),
      errorRate: sum((p) => p.errorRate),
      heartbeatTimeouts: sum((p) => p.heartbeatTimeouts) ?? 0,
      // quantiles do not add up: the slowest instance is the honest cluster figure
      p50: max((p) => p.p50),
      p99: max((p) => p.p99),
      instances: live.length,
    }
    this.#points = [...this.#points.slice(-(this.#capacity - 1)), total]
    return total
  }

  get points(): readonly Point[] {
    return this.#points
  }

  /** The latest point of every instance heard from within `staleMs` of `now`, by instance id. */
  instances(now: number): InstancePoint[] {
    return [...this.#last.values()]
      .filter(({ scrape }) => now - scrape.at <= this.#staleMs)
      .map(({ point }) => point)
      .sort((a, b) => a.instance.localeCompare(b.instance))
  }

  /** uPlot's data layout: x in seconds, then one array per field (null = gap). */
  columns(fields: (keyof Omit<Point, 'at' | 'instances'>)[]): [number[], ...(number | null)[][]] {
    return [this.#points.map((p) => p.at / 1000), ...fields.map((f) => this.#points.map((p) => p[f]))]
  }
}

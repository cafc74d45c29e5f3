/**
 * A reader for the Prometheus text exposition format (what `/metrics` serves),
 * enough for the console's charts: samples with labels, sums across labels and
 * quantiles estimated from histogram buckets, the way `histogram_quantile` does.
 */
export interface Sample {
  labels: Record<string, string>
  value: number
}
export type Metrics = Map<string, Sample[]>

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

export function parsePrometheus(text: string): Metrics {
  const out: Metrics = new Map()
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const m = LINE.exec(line)
    if (!m) continue
    const [, name = '', labelText, valueText = ''] = m
    const value = parseValue(valueText)
    if (Number.isNaN(value)) continue
    const labels: Record<string, string> = {}
    if (labelText) for (const l of labelText.matchAll(LABEL)) labels[l[1] ?? ''] = unescape(l[2] ?? '')
    let list = out.get(name)
    if (!list) out.set(name, (list = []))
    list.push({ labels, value })
  }
  return out
}

function parseValue(s: string): number {
  if (s === '+Inf') return Infinity
  if (s === '-Inf') return -Infinity
  return Number(s)
}

const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))

export type LabelFilter = Record<string, string>
const matches = (labels: Record<string, string>, filter?: LabelFilter) =>
  !filter || Object.entries(filter).every(([k, v]) => labels[k] === v)

/** Sum of every sample of `name` whose labels match `filter`; null when the metric is absent. */
export function sumOf(metrics: Metrics, name: string, filter?: LabelFilter): number | null {
  const list = metrics.get(name)
  if (!list) return null
  let total = 0
  for (const s of list) if (matches(s.labels, filter)) total += s.value
  return total
}

/** Sum per value of one label (`by (label)`). */
export function sumBy(metrics: Metrics, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of metrics.get(name) ?? []) {
    const key = s.labels[label] ?? ''
    out[key] = (out[key] ?? 0) + s.value
  }
  return out
}

/** Cumulative bucket counts by upper bound (`le`), summed across other labels, ascending. */
export type Buckets = [le: number, count: number][]

export function bucketsOf(metrics: Metrics, histogram: string, filter?: LabelFilter): Buckets | null {
  const list = metrics.get(`${histogram}_bucket`)
  if (!list) return null
  const byLe = new Map<number, number>()
  for (const s of list) {
    if (!matches(s.labels, filter) || s.labels.le === undefined) continue
    const le = parseValue(s.labels.le)
    byLe.set(le, (byLe.get(le) ?? 0) + s.value)
  }
  return [...byLe].sort((a, b) => a[0] - b[0])
}

/** Bucket counts of the interval between two scrapes (a counter reset gives the later scrape as is). */
export function bucketsDelta(previous: Buckets | null, current: Buckets): Buckets {
  if (!previous) return current
  const prev = new Map(previous)
  const delta: Buckets = current.map(([le, c]) => [le, c - (prev.get(le) ?? 0)])
  return delta.some(([, c]) => c < 0) ? current : delta
}

/**
 * The q-quantile (0..1) by linear interpolation inside the bucket that holds
 * it, as Prometheus' `histogram_quantile`. Null with no observations.
 */
export function quantile(buckets: Buckets, q: number): number | null {
  const last = buckets[buckets.length - 1]
  if (!last) return null
  const total = last[1]
  if (total <= 0) return null
  const rank = q * total
  let prevLe = 0
  let prevCount = 0
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Infinity) return prevLe // the highest finite bound is all that is known
      const inBucket = count - prevCount
      if (inBucket <= 0) return le
      return prevLe + (le - prevLe) * ((rank - prevCount) / inBucket)
    }
    prevLe = le
    prevCount = count
  }
  return prevLe
}

import type { ContenderId } from './contenders/contender.ts'
import type { MachineInfo } from './proc-stats.ts'
import type { AnyScenario, CaseResult, Metric, MetricValue } from './scenarios/scenario.ts'

/**
 * Tables for the terminal (and BENCHMARKS.md: they are Markdown tables) and
 * the JSON results file.
 */
export interface RunRecord {
  scenario: string
  case: string
  contender: ContenderId
  /** 1-based; with `--rounds N` every case runs N times, contenders interleaved within each round. */
  round: number
  result?: CaseResult
  error?: string
  skipped?: string
  seconds: number
}

/** Ratio columns are computed against these, when they ran in the same case. */
const BASELINES: { id: ContenderId; short: string }[] = [
  { id: 'ws-tuned', short: 'tuned' },
  { id: 'ws-naive', short: 'naive' },
  { id: 'socketio', short: 'sio' },
]

function fmt(v: MetricValue, digits = 2): string {
  if (v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '—'
  if (typeof v === 'string') return v
  if (!Number.isFinite(v)) return String(v)
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

function ratio(a: MetricValue, b: MetricValue): number | undefined {
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined
  return a / b
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/**
 * `who` ÷ `vs` for one figure, one value per round in which both produced it:
 * each ratio compares two runs made minutes apart at most, side by side, so a
 * drift of the machine over a long run does not leak into it.
 */
export function roundRatios(inCase: RunRecord[], who: ContenderId, vs: ContenderId, key: string): number[] {
  const out: number[] = []
  for (const mine of inCase) {
    if (mine.contender !== who || !mine.result) continue
    const theirs = inCase.find((r) => r.contender === vs && r.round === mine.round)?.result
    const q = ratio(mine.result.metrics[key], theirs?.metrics[key])
    if (q !== undefined) out.push(q)
  }
  return out
}

/**
 * One record per contender of a case: each numeric figure the median over the
 * rounds that produced it, a string figure (a verdict) as is when the rounds
 * agree and with each value's count when not, flags with how many rounds
 * raised them, and the rounds that failed as notes.
 */
export function mergeRounds(inCase: RunRecord[], id: ContenderId): RunRecord | undefined {
  const mine = inCase.filter((r) => r.contender === id)
  const ok = mine.filter((r) => r.result)
  if (ok.length <= 1) return ok[0] ?? mine[0]
  const metrics: Record<string, MetricValue> = {}
  for (const key of new Set(ok.flatMap((r) => Object.keys(r.result!.metrics)))) {
    const values = ok.map((r) => r.result!.metrics[key])
    const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    metrics[key] = numbers.length > 0 ? median(numbers) : mergeStrings(values.filter((v): v is string => typeof v === 'string'))
  }
  const flagCounts = new Map<string, number>()
  for (const r of ok) for (const f of new Set(r.result!.flags)) flagCounts.set(f, (flagCounts.get(f) ?? 0) + 1)
  const flags = [...flagCounts].map(([f, n]) => (n === ok.length ? f : `${f} (${n}/${ok.length})`))
  const notes = [...new Set(ok.flatMap((r) => r.result!.notes))]
  for (const r of mine) if (!r.result) notes.push(`${id} round ${r.round}: ${r.skipped ?? (r.error ?? '').split('\n')[0]!.slice(0, 200)}`)
  return { ...ok[0]!, result: { metrics, flags, notes }, seconds: mine.reduce((a, r) => a + r.seconds, 0) }
}

/** One text for a string figure over rounds: the value if all agree, else each value with its count. */
function mergeStrings(values: string[]): string | undefined {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  if (counts.size <= 1) return values[0]
  return [...counts].map(([v, n]) => `${v} ${n}/${values.length}`).join(', ')
}

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] ?? '').length)))
  const line = (cells: string[]) => `| ${cells.map((c, k) => c.padEnd(widths[k]!)).join(' | ')} |`
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n')
}

const roundsOf = (records: RunRecord[]) => Math.max(1, ...records.map((r) => r.round))

export function renderScenario(s: AnyScenario, records: RunRecord[]): string {
  const ratioMetrics = s.metrics.filter((m) => m.ratio)
  const cases = [...new Set(records.map((r) => r.case))]
  const contenders = [...new Set(records.map((r) => r.contender))]
  const baselines = BASELINES.filter((b) => records.some((r) => r.contender === b.id && r.result))
  const header = ['case', 'contender', ...s.metrics.map((m) => m.label)]
  for (const m of ratioMetrics) for (const b of baselines) header.push(`${m.label} ÷${b.short}`)
  header.push('flags')
  const rows: string[][] = []
  const notes: string[] = []
  for (const name of cases) {
    const inCase = records.filter((r) => r.case === name)
    for (const id of contenders) {
      const r = mergeRounds(inCase, id)
      if (r === undefined) continue
      if (!r.result) {
        // The reason goes under the table: a long cell would widen a figure column.
        rows.push([name, r.contender, r.skipped ? 'skipped' : 'ERROR'])
        notes.push(`${r.contender}: ${r.skipped ? `skipped: ${r.skipped}` : `error: ${(r.error ?? '').split('\n')[0]!.slice(0, 300)}`}`)
        continue
      }
      const res = r.result
      const row = [name, r.contender, ...s.metrics.map((m) => fmt(res.metrics[m.key], m.digits))]
      for (const m of ratioMetrics) {
        for (const b of baselines) {
          const qs = b.id === r.contender ? [] : roundRatios(inCase, r.contender, b.id, m.key)
          row.push(qs.length === 0 ? '' : `${median(qs).toFixed(2)}×`)
        }
      }
      row.push(res.flags.join('; '))
      rows.push(row)
      notes.push(...res.notes)
    }
  }
  const out = [`### ${s.title}`, '', s.method, '']
  const rounds = roundsOf(records)
  if (rounds > 1) out.push(`${rounds} rounds, contenders interleaved within each: figures are medians over the rounds, ratios the median of the per-round ratios.`, '')
  out.push(markdownTable(header, rows))
  if (notes.length) out.push('', ...[...new Set(notes)].map((n) => `- ${n}`))
  return out.join('\n')
}

export interface TargetCheck {
  scenario: string
  case: string
  metric: string
  vs: ContenderId
  wanted: string
  /** The median of the per-round ratios (the ratio itself with one round). */
  measured: number
  /** Every round's ratio, in round order. */
  rounds: number[]
  pass: boolean
}

/** The issue's targets, checked for one contender (Switchboard) against baselines of the same run. */
export function checkTargets(s: AnyScenario, records: RunRecord[], who: ContenderId): TargetCheck[] {
  const out: TargetCheck[] = []
  for (const name of [...new Set(records.map((r) => r.case))]) {
    const inCase = records.filter((r) => r.case === name)
    for (const m of s.metrics as Metric[]) {
      for (const t of m.targets ?? []) {
        const qs = roundRatios(inCase, who, t.vs, m.key)
        if (qs.length === 0) continue
        const q = median(qs)
        out.push({
          scenario: s.id,
          case: name,
          metric: m.label,
          vs: t.vs,
          wanted: `${t.op} ${t.ratio}×`,
          measured: q,
          rounds: qs,
          pass: t.op === '<=' ? q <= t.ratio : q >= t.ratio,
        })
      }
    }
  }
  return out
}

export function renderTargets(checks: TargetCheck[], who: string): string {
  if (checks.length === 0) return ''
  const several = checks.some((c) => c.rounds.length > 1)
  const rows = checks.map((c) => {
    const spread = several ? [c.rounds.length > 1 ? `${Math.min(...c.rounds).toFixed(2)}–${Math.max(...c.rounds).toFixed(2)}× (${c.rounds.length})` : ''] : []
    return [c.scenario, c.case, c.metric, c.vs, c.wanted, `${c.measured.toFixed(2)}×`, ...spread, c.pass ? 'ok' : 'MISSED']
  })
  const header = ['scenario', 'case', 'figure', 'vs', 'target', several ? 'median' : 'measured', ...(several ? ['rounds: range (n)'] : []), '']
  return [`### Targets (${who} ÷ baseline, same run)`, '', markdownTable(header, rows)].join('\n')
}

export function renderMachine(m: MachineInfo): string {
  return (
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memTotalGiB} GiB RAM, ${m.kernel}, Node ${m.node}, ` +
    `open files limit ${m.openFilesLimit}, load average at start ${m.loadAvg.join(' ')}`
  )
}

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

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] ?? '').length)))
  const line = (cells: string[]) => `| ${cells.map((c, k) => c.padEnd(widths[k]!)).join(' | ')} |`
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n')
}

export function renderScenario(s: AnyScenario, records: RunRecord[]): string {
  const ratioMetrics = s.metrics.filter((m) => m.ratio)
  const cases = [...new Set(records.map((r) => r.case))]
  const baselines = BASELINES.filter((b) => records.some((r) => r.contender === b.id && r.result))
  const header = ['case', 'contender', ...s.metrics.map((m) => m.label)]
  for (const m of ratioMetrics) for (const b of baselines) header.push(`${m.label} ÷${b.short}`)
  header.push('flags')
  const rows: string[][] = []
  const notes: string[] = []
  for (const name of cases) {
    const inCase = records.filter((r) => r.case === name)
    const base = (id: ContenderId) => inCase.find((r) => r.contender === id)?.result
    for (const r of inCase) {
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
          const q = b.id === r.contender ? undefined : ratio(res.metrics[m.key], base(b.id)?.metrics[m.key])
          row.push(q === undefined ? '' : `${q.toFixed(2)}×`)
        }
      }
      row.push(res.flags.join('; '))
      rows.push(row)
      notes.push(...res.notes)
    }
  }
  const out = [`### ${s.title}`, '', s.method, '', markdownTable(header, rows)]
  if (notes.length) out.push('', ...[...new Set(notes)].map((n) => `- ${n}`))
  return out.join('\n')
}

export interface TargetCheck {
  scenario: string
  case: string
  metric: string
  vs: ContenderId
  wanted: string
  measured: number
  pass: boolean
}

/** The issue's targets, checked for one contender (Switchboard) against baselines of the same run. */
export function checkTargets(s: AnyScenario, records: RunRecord[], who: ContenderId): TargetCheck[] {
  const out: TargetCheck[] = []
  for (const name of [...new Set(records.map((r) => r.case))]) {
    const inCase = records.filter((r) => r.case === name)
    const mine = inCase.find((r) => r.contender === who)?.result
    if (!mine) continue
    for (const m of s.metrics as Metric[]) {
      for (const t of m.targets ?? []) {
        const q = ratio(mine.metrics[m.key], inCase.find((r) => r.contender === t.vs)?.result?.metrics[m.key])
        if (q === undefined) continue
        out.push({
          scenario: s.id,
          case: name,
          metric: m.label,
          vs: t.vs,
          wanted: `${t.op} ${t.ratio}×`,
          measured: q,
          pass: t.op === '<=' ? q <= t.ratio : q >= t.ratio,
        })
      }
    }
  }
  return out
}

export function renderTargets(checks: TargetCheck[], who: string): string {
  if (checks.length === 0) return ''
  const rows = checks.map((c) => [c.scenario, c.case, c.metric, c.vs, c.wanted, `${c.measured.toFixed(2)}×`, c.pass ? 'ok' : 'MISSED'])
  return [`### Targets (${who} ÷ baseline, same run)`, '', markdownTable(['scenario', 'case', 'figure', 'vs', 'target', 'measured', ''], rows)].join('\n')
}

export function renderMachine(m: MachineInfo): string {
  return (
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memTotalGiB} GiB RAM, ${m.kernel}, Node ${m.node}, ` +
    `open files limit ${m.openFilesLimit}, load average at start ${m.loadAvg.join(' ')}`
  )
}

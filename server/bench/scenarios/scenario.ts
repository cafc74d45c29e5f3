import type { Contender, ContenderId } from '../contenders/contender.ts'
import type { LoadGen } from '../loadgen/loadgen.ts'
import type { BenchOptions } from '../options.ts'

/**
 * A scenario is a list of cases (e.g. 1k and 10k subscribers), each run once
 * per contender against a freshly started server, and a description of the
 * figures it reports (which ones get ratio columns, and the targets).
 */
export type MetricValue = number | string | undefined

export interface Target {
  vs: ContenderId
  /** The Switchboard/baseline ratio must be `<=` (or `>=`) this. */
  op: '<=' | '>='
  ratio: number
}

export interface Metric {
  key: string
  label: string
  /** Decimal places in the table. */
  digits?: number
  /** Print ratio columns (this contender ÷ each baseline) for this figure. */
  ratio?: boolean
  targets?: Target[]
}

export interface CaseSpec {
  name: string
}

export interface CaseResult {
  metrics: Record<string, MetricValue>
  /** Short warnings shown in the table (e.g. GEN-SAT, LOSS). */
  flags: string[]
  notes: string[]
}

export interface RunContext {
  loadgen: LoadGen
  options: BenchOptions
  fdLimit: number
  /** Where Switchboard runs from when not the working tree. */
  switchboardRoot?: string
  log: (line: string) => void
}

export interface Scenario<S extends CaseSpec = CaseSpec> {
  id: string
  title: string
  /** One or two sentences printed under the title: what is measured and how. */
  method: string
  metrics: Metric[]
  cases(o: BenchOptions, fdLimit: number): S[]
  run(ctx: RunContext, c: Contender, spec: S): Promise<CaseResult>
}

/** Type-erased form for the scenario list. */
export type AnyScenario = Scenario<CaseSpec & Record<string, unknown>>

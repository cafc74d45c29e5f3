import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { DIRECT_WRITE_ADDON, DIRECT_WRITE_SOURCE } from '../src/native/direct-write.ts'
import type { Contender, ContenderId } from './contenders/contender.ts'
import { CONTENDER_LABELS, ContenderUnavailable, profileExtension } from './contenders/contender.ts'
import { startContender } from './contenders/registry.ts'
import { prepareSnapshot } from './contenders/snapshot.ts'
import { PROJECT_ROOT } from './contenders/switchboard.ts'
import { LoadGen } from './loadgen/loadgen.ts'
import { type BenchOptions, USAGE, UsageError, parseOptions } from './options.ts'
import { machineInfo } from './proc-stats.ts'
import { summarise } from './profile-summary.ts'
import { buildNativeReceiver } from './loadgen/native-receiver.ts'
import { type RunRecord, type TargetCheck, checkTargets, renderMachine, renderScenario, renderTargets } from './report.ts'
import type { AnyScenario, RunContext } from './scenarios/scenario.ts'
import { s1Fanout } from './scenarios/s1-fanout.ts'
import { s2Latency } from './scenarios/s2-latency.ts'
import { s3Memory } from './scenarios/s3-memory.ts'
import { s4Connect } from './scenarios/s4-connect.ts'
import { s5Rooms } from './scenarios/s5-rooms.ts'
import { s6SlowConsumers } from './scenarios/s6-slow-consumers.ts'

/**
 * `npm run bench`: every selected scenario, case by case, each contender on a
 * freshly started server, all driven by the same load-generator processes.
 * Tables go to stdout as each scenario finishes; progress to stderr.
 */
const SCENARIOS = [s1Fanout, s2Latency, s3Memory, s4Connect, s5Rooms, s6SlowConsumers] as unknown as AnyScenario[]

/** Hard cap per contender per case: every run is bounded even if a server hangs. */
const CASE_TIMEOUT_MS = 240_000

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms)
    }),
  ])
}

/** Contenders found unavailable (e.g. no Redis bus) are not retried for every case. */
const unavailable = new Map<ContenderId, string>()

type CaseSpec = { name: string } & Record<string, unknown>

/**
 * Runs one case on one contender. With `shared`, the contender is already
 * running (--quick runs every scenario on one server per contender) and is
 * left running; otherwise it is started for this case and stopped after it.
 */
async function runCase(ctx: RunContext, s: AnyScenario, spec: CaseSpec, id: ContenderId, round: number, shared?: Contender): Promise<RunRecord> {
  const started = performance.now()
  const record: RunRecord = { scenario: s.id, case: spec.name, contender: id, round, seconds: 0 }
  const known = unavailable.get(id)
  if (known) return { ...record, skipped: known }
  let contender: Contender | undefined = shared
  const phases: string[] = []
  let mark = performance.now()
  const lap = (what: string) => {
    phases.push(`${what} ${((performance.now() - mark) / 1000).toFixed(1)}`)
    mark = performance.now()
  }
  try {
    if (!contender) {
      contender = await startContender(id, { secret: ctx.loadgen.secret, switchboardRoot: ctx.switchboardRoot })
      lap('start')
    }
    const died = contender.diagnostics()
    if (died) throw new Error(`server is not running: ${died}`)
    record.result = await withTimeout(s.run(ctx, contender, spec), CASE_TIMEOUT_MS, `${s.id} ${spec.name} on ${id}`)
    lap('run')
    for (const n of contender.notes) record.result.notes.push(`${id}: ${n}`)
  } catch (err) {
    if (err instanceof ContenderUnavailable) {
      record.skipped = `not available (${err.message})`
      unavailable.set(id, record.skipped)
    } else {
      record.error = err instanceof Error ? err.message : String(err)
      const died = contender?.diagnostics()
      if (died && !record.error.includes(died)) record.error += `\n${died}`
    }
  } finally {
    await ctx.loadgen.closeAll().catch(() => {})
    if (!shared) {
      await contender?.stop().catch(() => {})
      lap('stop')
    }
  }
  record.seconds = (performance.now() - started) / 1000
  const what = record.result ? 'done' : record.skipped ? `skipped: ${record.skipped}` : `ERROR: ${record.error?.split('\n')[0]}`
  const nth = ctx.options.rounds > 1 ? ` round ${round}` : ''
  log(`${s.id} ${spec.name} ${id}${nth}: ${what} (${record.seconds.toFixed(1)} s: ${phases.join(', ')})`)
  if (record.error?.includes('\n')) log(record.error)
  return record
}

/** Each round starts with the next contender, so none always runs first (on the coolest machine). */
function rotated<T>(list: readonly T[], round: number): T[] {
  const k = (round - 1) % list.length
  return [...list.slice(k), ...list.slice(0, k)]
}

/**
 * Full runs: scenario by scenario, contenders interleaved case by case (and
 * round by round with --rounds), each on a fresh server.
 */
async function runInterleaved(ctx: RunContext, scenarios: AnyScenario[], fdLimit: number, done: (s: AnyScenario, rs: RunRecord[]) => void): Promise<void> {
  for (const s of scenarios) {
    const mine: RunRecord[] = []
    for (const spec of s.cases(ctx.options, fdLimit)) {
      for (let round = 1; round <= ctx.options.rounds; round++) {
        for (const id of rotated(ctx.options.contenders, round)) mine.push(await runCase(ctx, s, spec, id, round))
      }
    }
    done(s, mine)
  }
}

/**
 * --quick: one server per contender for every scenario (a Switchboard start
 * costs over a second; twelve of them would not fit in the minute). Each case
 * still starts from no connections; tables are printed at the end.
 */
async function runShared(ctx: RunContext, scenarios: AnyScenario[], fdLimit: number, done: (s: AnyScenario, rs: RunRecord[]) => void): Promise<void> {
  const bySc = new Map<AnyScenario, RunRecord[]>(scenarios.map((s) => [s, []]))
  for (let round = 1; round <= ctx.options.rounds; round++) for (const id of rotated(ctx.options.contenders, round)) {
    let contender: Contender | undefined
    try {
      contender = await startContender(id, { secret: ctx.loadgen.secret, switchboardRoot: ctx.switchboardRoot })
    } catch (err) {
      if (err instanceof ContenderUnavailable) unavailable.set(id, `not available (${err.message})`)
      else unavailable.set(id, `failed to start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`)
    }
    try {
      for (const s of scenarios) for (const spec of s.cases(ctx.options, fdLimit)) bySc.get(s)!.push(await runCase(ctx, s, spec, id, round, contender))
    } finally {
      await contender?.stop().catch(() => {})
    }
  }
  for (const s of scenarios) done(s, bySc.get(s)!)
}

async function main(options: BenchOptions): Promise<number> {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]
  if (major < 22 || (major === 22 && minor < 6)) {
    console.error(`Node ${process.version} cannot run TypeScript: use \`npm run bench\` (Node 24 from node_modules).`)
    return 2
  }
  const machine = machineInfo()
  const scenarios = SCENARIOS.filter((s) => !options.only || options.only.includes(s.id))
  if (scenarios.length === 0) throw new UsageError(`no scenario matches --only ${options.only?.join(',')}`)
  if (options.profileDir) {
    mkdirSync(options.profileDir, { recursive: true })
    for (const f of readdirSync(options.profileDir)) if (f.endsWith(profileExtension(options.profileKind))) rmSync(path.join(options.profileDir, f))
  }

  console.log(`## Switchboard benchmark${options.quick ? ' (--quick)' : ''}\n`)
  if (options.profileDir) {
    const what = options.profileKind === 'cpu' ? 'CPU time' : 'allocations'
    console.log(`Profiling measured phases (${what}) into ${options.profileDir}: figures include the profiler's overhead.\n`)
  }
  console.log(renderMachine(machine))
  console.log(`Contenders: ${options.contenders.map((c) => `${c} = ${CONTENDER_LABELS[c]}`).join('; ')}\n`)

  let switchboardRoot: string | undefined
  let commit = 'working tree'
  if (options.snapshot) {
    const snap = prepareSnapshot(PROJECT_ROOT, options.snapshot)
    switchboardRoot = snap.root
    commit = snap.commit
  } else {
    try {
      commit = `working tree on ${execFileSync('git', ['-C', PROJECT_ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()}`
    } catch {
      // not a git checkout
    }
  }
  console.log(`Switchboard from: ${commit}; socket writes: ${socketWrites(switchboardRoot ?? PROJECT_ROOT)}\n`)
  let receiverPath: string | undefined
  if (options.receiver === 'native') {
    const built = buildNativeReceiver()
    if ('path' in built) receiverPath = built.path
    else console.log(`Native receiver unavailable (${built.error}): client workers read through \`ws\`.\n`)
  }
  console.log(`Load generator: ${options.workers} client workers reading through ${receiverPath ? 'the native epoll receiver' : 'the ws client'}.\n`)

  const startedAt = new Date().toISOString()
  const t0 = performance.now()
  const loadgen = await LoadGen.start(options.workers, randomBytes(32).toString('hex'), receiverPath)
  const ctx: RunContext = { loadgen, options, fdLimit: machine.openFilesLimit, log, switchboardRoot }
  const records: RunRecord[] = []
  const checks: TargetCheck[] = []
  let failed = false
  try {
    const done = (s: AnyScenario, mine: RunRecord[]) => {
      records.push(...mine)
      failed ||= mine.some((r) => r.error !== undefined)
      console.log(renderScenario(s, mine) + '\n')
      checks.push(...checkTargets(s, mine, 'switchboard'))
    }
    if (options.quick) await runShared(ctx, scenarios, machine.openFilesLimit, done)
    else await runInterleaved(ctx, scenarios, machine.openFilesLimit, done)
  } finally {
    await loadgen.stop()
  }
  const targets = renderTargets(checks, 'switchboard')
  if (targets) console.log(targets + '\n')

  const profiles: Record<string, string> = {}
  if (options.profileDir) {
    const title = options.profileKind === 'cpu' ? 'CPU profile' : 'Allocation profile'
    for (const f of readdirSync(options.profileDir).filter((f) => f.endsWith(profileExtension(options.profileKind))).sort()) {
      const summary = summarise(path.join(options.profileDir, f))
      profiles[f] = summary
      // Switchboard's are printed; the others stay in the directory for comparison.
      if (f.includes('switchboard')) console.log(`### ${title} ${f}\n\n\`\`\`\n${summary}\n\`\`\`\n`)
    }
  }

  const seconds = (performance.now() - t0) / 1000
  console.log(`Total time ${seconds.toFixed(0)} s.`)
  if (options.json) {
    writeFileSync(options.json, JSON.stringify({ startedAt, seconds, machine, switchboard: commit, options, records, targets: checks, profiles }, null, 2))
    log(`results written to ${options.json}`)
  }
  return failed ? 1 : 0
}

let options: BenchOptions | 'help'
try {
  options = parseOptions(process.argv.slice(2))
} catch (err) {
  console.error(`${(err as Error).message}\n\n${USAGE}`)
  process.exit(2)
}
if (options === 'help') {
  console.log(USAGE)
} else {
  main(options).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err)
      process.exit(err instanceof UsageError ? 2 : 1)
    },
  )
}

/** How the Switchboard under test writes frames (realtime/frame-writer.ts): runs with and without direct writes differ. */
function socketWrites(root: string): string {
  if (process.env.DIRECT_SOCKET_WRITES === 'false') return 'through Node streams (DIRECT_SOCKET_WRITES=false)'
  // the same file under the root of the Switchboard under test (a snapshot's, or this checkout's)
  const at = (file: string) => path.join(root, path.relative(PROJECT_ROOT, file))
  if (!existsSync(at(DIRECT_WRITE_SOURCE))) return 'through Node streams (a commit before direct writes)'
  if (!existsSync(at(DIRECT_WRITE_ADDON))) return 'through Node streams (the addon is not built: npm run build:native)'
  return 'direct (native addon)'
}

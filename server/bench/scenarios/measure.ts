import os from 'node:os'
import path from 'node:path'
import type { Contender } from '../contenders/contender.ts'
import type { ChannelPlan, ChannelRange } from '../loadgen/channel-plan.ts'
import type { ConnectResult, ProcCpu, ReceiveReport } from '../loadgen/loadgen.ts'
import type { PublishResult } from '../loadgen/publisher.ts'
import { CpuMeter, hostBusyMicros } from '../proc-stats.ts'
import type { RunContext } from './scenario.ts'

/**
 * Building blocks the scenarios share: connect everyone or fail loudly, and
 * measured phases that bracket publishing + draining with server CPU readings.
 */

/**
 * Runs `fn` under a CPU profile of the contender's server processes when
 * `--profile <dir>` was given: `<dir>/<label>-<contender>.cpuprofile`.
 */
export async function withProfile<T>(ctx: RunContext, c: Contender, label: string, fn: () => Promise<T>): Promise<T> {
  const dir = ctx.options.profileDir
  if (!dir) return fn()
  const kind = ctx.options.profileKind
  await c.profile('start', kind)
  try {
    return await fn()
  } finally {
    await c.profile('stop', kind, path.join(dir, `${label}-${c.id}`))
  }
}

export async function connectAll(ctx: RunContext, c: Contender, plan: ChannelPlan, concurrency: number): Promise<ConnectResult> {
  const r = await ctx.loadgen.connect(c.client, plan, concurrency, c.origin)
  if (r.failed > 0) throw new Error(`${r.failed} of ${plan.clients} clients failed to connect+subscribe: ${r.errors.join(' | ')}`)
  return r
}

export interface PhaseResult {
  publish: PublishResult
  drained: boolean
  /** Events the reading clients received in the phase. */
  delivered: number
  expected: number
  report: ReceiveReport
  serverCpuUs: number
  /** Kernel part of serverCpuUs (socket writes; on loopback also the receiving side's TCP work). */
  serverSysUs: number
  /** CPU the whole machine used in the phase (every process, the bench's and others'). */
  hostCpuUs: number
  wallMs: number
}

interface CommonPhase {
  range: ChannelRange
  eventBytes: number
  concurrency: number
  sampleEvery: number
}

/** Server CPU meter plus the machine's busy time and the orchestrator's own CPU. */
export class PhaseMeter {
  readonly #server: CpuMeter
  #host = 0
  #self = process.cpuUsage()

  constructor(pids: number[]) {
    this.#server = new CpuMeter(pids)
    this.#server.start()
    this.#host = hostBusyMicros()
    this.#self = process.cpuUsage()
  }

  stop() {
    const self = process.cpuUsage(this.#self)
    return { ...this.#server.stop(), hostCpuUs: hostBusyMicros() - this.#host, selfCpuUs: self.user + self.system }
  }
}

async function finish(ctx: RunContext, meter: PhaseMeter, publishes: PublishResult[], drainMs: number): Promise<PhaseResult> {
  const published = ctx.loadgen.publishedVector(publishes)
  const drain = await ctx.loadgen.drain(published, drainMs)
  const { cpuUs, sysUs, wallMs, hostCpuUs, selfCpuUs } = meter.stop()
  const report = await ctx.loadgen.report(published)
  report.gen.push({ name: 'orchestrator', cpuUs: selfCpuUs, wallMs })
  const publish = mergePublish(publishes)
  return {
    publish,
    drained: drain.done,
    delivered: drain.received,
    expected: drain.expected,
    report,
    serverCpuUs: cpuUs,
    serverSysUs: sysUs,
    hostCpuUs,
    wallMs,
  }
}

function mergePublish(rs: PublishResult[]): PublishResult {
  if (rs.length === 1) return rs[0]!
  return {
    from: 0,
    counts: new Int32Array(0),
    published: rs.reduce((a, r) => a + r.published, 0),
    errors: rs.reduce((a, r) => a + r.errors, 0),
    firstError: rs.find((r) => r.firstError)?.firstError,
    ms: Math.max(...rs.map((r) => r.ms)),
  }
}

/** Publishes as fast as the clients keep up for `ms`, then drains. */
export async function closedLoopPhase(
  ctx: RunContext,
  c: Contender,
  o: CommonPhase & { fanout: number; window: number; ms: number },
): Promise<PhaseResult> {
  await ctx.loadgen.reset(o.sampleEvery)
  const meter = new PhaseMeter(c.cpuPids)
  const publish = await ctx.loadgen.publishClosedLoop(c.publish, {
    range: o.range,
    fanout: o.fanout,
    window: o.window,
    maxMs: o.ms,
    eventBytes: o.eventBytes,
    concurrency: o.concurrency,
  })
  return finish(ctx, meter, [publish], 20_000)
}

export interface RateStream {
  range: ChannelRange
  ratePerSec: number
  eventBytes: number
}

/** Publishes one or more fixed-rate streams at once for `ms`, then drains. */
export async function ratePhase(
  ctx: RunContext,
  c: Contender,
  o: { streams: RateStream[]; concurrency: number; sampleEvery: number; ms: number; drainMs?: number },
): Promise<PhaseResult> {
  await ctx.loadgen.reset(o.sampleEvery)
  const meter = new PhaseMeter(c.cpuPids)
  const publishes = await Promise.all(
    o.streams.map((s) => ctx.loadgen.publishAtRate(c.publish, { ...s, durationMs: o.ms, concurrency: o.concurrency })),
  )
  return finish(ctx, meter, publishes, o.drainMs ?? 20_000)
}

export interface CpuFigures {
  /** Server CPU as % of one core over the phase. */
  serverPct: number
  /** CPU used by processes outside the bench (other work on a shared machine), % of one core. */
  otherPct: number
  /** Busiest load-generator process, % of one core. */
  genMaxPct: number
  /** All load-generator processes together, % of one core. */
  genTotalPct: number
  bound: string
}

/**
 * Who limited the phase: `server` when the server used ≥ 90% of a core;
 * `GEN-SAT` when a generator process did while the server did not (the figure
 * then understates the server); `CPU-SAT` when the machine's cores were all
 * busy; `HOST-BUSY` when processes outside the bench took ≥ 25% of a core (the
 * machine is shared: such a run should be repeated when it is quieter).
 */
export function cpuFigures(p: PhaseResult): CpuFigures {
  const pct = (us: number, ms: number) => (ms > 0 ? us / (ms * 10) : 0)
  const serverPct = pct(p.serverCpuUs, p.wallMs)
  const gens = p.report.gen.map((g) => pct(g.cpuUs, g.wallMs))
  const genMaxPct = Math.max(0, ...gens)
  const genTotalPct = gens.reduce((a, b) => a + b, 0)
  const otherPct = Math.max(0, pct(p.hostCpuUs, p.wallMs) - serverPct - genTotalPct)
  let bound = '-'
  if (serverPct >= 90) bound = 'server'
  else if (genMaxPct >= 90) bound = 'GEN-SAT'
  else if (otherPct >= 25) bound = 'HOST-BUSY'
  else if (serverPct + genTotalPct >= 90 * os.availableParallelism()) bound = 'CPU-SAT'
  return { serverPct, otherPct, genMaxPct, genTotalPct, bound }
}

/** Flags for a phase that lost events or whose generator was the limit. */
export function phaseFlags(p: PhaseResult, cpu: CpuFigures): string[] {
  const flags: string[] = []
  if (!p.drained || p.report.short > 0) flags.push(`LOSS ${p.report.missing} msgs on ${p.report.short} sockets`)
  if (p.report.closedOthers > 0) flags.push(`${p.report.closedOthers} sockets closed`)
  if (p.publish.errors > 0) flags.push(`${p.publish.errors} publish errors (${p.publish.firstError ?? ''})`)
  if (cpu.bound === 'GEN-SAT') flags.push('GEN-SAT')
  if (cpu.bound === 'CPU-SAT') flags.push('CPU-SAT')
  if (cpu.otherPct >= 25) flags.push(`HOST-BUSY (others used ${cpu.otherPct.toFixed(0)}% of a core)`)
  return flags
}

/** Latency sampling period that yields about `target` samples. */
export function sampleEveryFor(expectedDeliveries: number, target = 60_000): number {
  return Math.max(1, Math.round(expectedDeliveries / target))
}

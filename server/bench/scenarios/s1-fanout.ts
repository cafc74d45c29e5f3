import type { Contender } from '../contenders/contender.ts'
import { roomRange, singleChannel } from '../loadgen/channel-plan.ts'
import type { BenchOptions } from '../options.ts'
import { closedLoopPhase, connectAll, cpuFigures, phaseFlags, withProfile } from './measure.ts'
import type { CaseResult, RunContext, Scenario } from './scenario.ts'

interface S1Case {
  name: string
  subs: number
  warmMs: number
  ms: number
  [k: string]: unknown
}

/**
 * S1: one channel, N subscribers, 200-byte events published as fast as every
 * subscriber keeps up (closed loop, bounded window of undelivered messages),
 * zero loss required. The figure that separates servers on a shared 2-core box
 * is server CPU time per delivered message; msg/s is reported beside it.
 */
export const s1Fanout: Scenario<S1Case> = {
  id: 'S1',
  title: 'S1 fan-out: one channel, 200-byte events, closed loop',
  method:
    'Publisher keeps ≤ max(20 events, 50k deliveries) outstanding; every subscriber must get every event. ' +
    'µs/msg = server CPU time ÷ delivered messages (publish handling included); sys% = kernel share of that time.',
  metrics: [
    { key: 'rate', label: 'msg/s', digits: 0, ratio: true, targets: [
      { vs: 'ws-tuned', op: '>=', ratio: 1.0 },
      { vs: 'socketio', op: '>=', ratio: 1.3 },
    ] },
    { key: 'cpuPerMsg', label: 'srv µs/msg', digits: 2, ratio: true, targets: [
      { vs: 'ws-tuned', op: '<=', ratio: 1.0 },
      { vs: 'ws-naive', op: '<=', ratio: 0.9 },
      { vs: 'socketio', op: '<=', ratio: 0.6 },
    ] },
    { key: 'serverPct', label: 'srv CPU%', digits: 0 },
    { key: 'sysShare', label: 'srv sys%', digits: 0 },
    { key: 'genMaxPct', label: 'gen max%', digits: 0 },
    { key: 'genTotalPct', label: 'gen tot%', digits: 0 },
    { key: 'otherPct', label: 'other%', digits: 0 },
    { key: 'publishes', label: 'pub/s', digits: 0 },
    { key: 'bound', label: 'bound' },
  ],
  cases(o: BenchOptions): S1Case[] {
    if (o.quick) return [{ name: '1k subs', subs: 1000, warmMs: 200, ms: 600 }]
    return [
      { name: '1k subs', subs: 1000, warmMs: 800, ms: 3000 },
      { name: '10k subs', subs: 10_000, warmMs: 800, ms: 3000 },
    ]
  },
  async run(ctx: RunContext, c: Contender, spec: S1Case): Promise<CaseResult> {
    const plan = singleChannel(spec.subs)
    await connectAll(ctx, c, plan, 200)
    const phase = { range: roomRange(plan), fanout: spec.subs, window: Math.max(20 * spec.subs, 50_000), eventBytes: 200, concurrency: 4 }
    // Warm-up (JIT, buffers) with the same load, not measured.
    await closedLoopPhase(ctx, c, { ...phase, ms: spec.warmMs, sampleEvery: 0 })
    const p = await withProfile(ctx, c, `S1-${spec.subs}`, () => closedLoopPhase(ctx, c, { ...phase, ms: spec.ms, sampleEvery: 1024 }))
    const cpu = cpuFigures(p)
    return {
      metrics: {
        rate: (p.delivered / p.wallMs) * 1000,
        cpuPerMsg: p.serverCpuUs / Math.max(1, p.delivered),
        serverPct: cpu.serverPct,
        sysShare: (100 * p.serverSysUs) / Math.max(1, p.serverCpuUs),
        genMaxPct: cpu.genMaxPct,
        genTotalPct: cpu.genTotalPct,
        otherPct: cpu.otherPct,
        publishes: (p.publish.published / p.wallMs) * 1000,
        bound: cpu.bound,
        delivered: p.delivered,
        probes: p.report.samples.length,
      },
      flags: phaseFlags(p, cpu),
      notes: [],
    }
  },
}

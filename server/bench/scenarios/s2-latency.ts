import type { Contender } from '../contenders/contender.ts'
import { roomRange, singleChannel } from '../loadgen/channel-plan.ts'
import type { BenchOptions } from '../options.ts'
import { summariseLatency } from '../stats.ts'
import { connectAll, cpuFigures, phaseFlags, ratePhase, sampleEveryFor, withProfile } from './measure.ts'
import type { CaseResult, RunContext, Scenario } from './scenario.ts'

/**
 * Open loop: when publishing and delivery take well past the planned time, the
 * offered rate was above what server + generator manage on this machine, and
 * the latencies measure a queue, not the server.
 */
function overload(phaseMs: number, plannedMs: number): string[] {
  return phaseMs > plannedMs * 1.2 + 500 ? [`OVERLOAD: ${(plannedMs / 1000).toFixed(0)} s of publishing took ${(phaseMs / 1000).toFixed(1)} s to deliver`] : []
}

export interface S2Case {
  name: string
  subs: number
  rate: number
  warmMs: number
  ms: number
  [k: string]: unknown
}

/**
 * S2: publish→receive latency at a fixed publish rate (open loop: a publish is
 * timestamped when it is due, so a server falling behind shows as latency).
 * Latency is measured on sampled deliveries across all subscribers, so p99
 * includes the time to reach the last subscriber of a fan-out.
 */
export const s2Latency: Scenario<S2Case> = {
  id: 'S2',
  title: 'S2 latency: publish→receive at a fixed rate, 200-byte events',
  method:
    'HTTP publish at a fixed rate to one channel; the receiver reads the send time the publisher wrote into every Nth ' +
    'event and subtracts it from its receive time (same clock). Latencies in ms.',
  metrics: [
    { key: 'p50', label: 'p50 ms', digits: 2, ratio: true },
    { key: 'p99', label: 'p99 ms', digits: 2, ratio: true, targets: [
      { vs: 'ws-tuned', op: '<=', ratio: 1.2 },
      { vs: 'socketio', op: '<=', ratio: 0.8 },
    ] },
    { key: 'p999', label: 'p99.9 ms', digits: 2 },
    { key: 'max', label: 'max ms', digits: 1 },
    { key: 'samples', label: 'samples', digits: 0 },
    { key: 'rate', label: 'msg/s', digits: 0 },
    { key: 'serverPct', label: 'srv CPU%', digits: 0 },
    { key: 'genMaxPct', label: 'gen max%', digits: 0 },
    { key: 'otherPct', label: 'other%', digits: 0 },
    { key: 'bound', label: 'bound' },
  ],
  cases(o: BenchOptions): S2Case[] {
    if (o.quick) return [{ name: '500 subs × 20/s', subs: 500, rate: 20, warmMs: 200, ms: 1000 }]
    // p99 over sampled deliveries rests on the slowest few events of the phase:
    // at 20 and 10 events/s, 8 s gives 160 and 80 of them (4 s gave a p99 that
    // moved ±50% between rounds at 10k × 10/s, where every server is near a full core)
    return [
      { name: '1k subs × 20/s', subs: 1000, rate: 20, warmMs: 500, ms: 8000 },
      { name: '1k subs × 100/s', subs: 1000, rate: 100, warmMs: 500, ms: 4000 },
      { name: '10k subs × 10/s', subs: 10_000, rate: 10, warmMs: 500, ms: 8000 },
    ]
  },
  async run(ctx: RunContext, c: Contender, spec: S2Case): Promise<CaseResult> {
    const plan = singleChannel(spec.subs)
    await connectAll(ctx, c, plan, 200)
    const phase = { streams: [{ range: roomRange(plan), ratePerSec: spec.rate, eventBytes: 200 }], concurrency: 16 }
    await ratePhase(ctx, c, { ...phase, ms: spec.warmMs, sampleEvery: 0 })
    const expected = (spec.subs * spec.rate * spec.ms) / 1000
    const label = `S2-${spec.subs}x${spec.rate}`
    const p = await withProfile(ctx, c, label, () => ratePhase(ctx, c, { ...phase, ms: spec.ms, sampleEvery: sampleEveryFor(expected), drainMs: 10_000 }))
    const lat = summariseLatency(p.report.samples)
    const cpu = cpuFigures(p)
    return {
      metrics: {
        p50: lat.p50,
        p99: lat.p99,
        p999: lat.p999,
        max: lat.max,
        samples: lat.samples,
        rate: (p.delivered / p.wallMs) * 1000,
        serverPct: cpu.serverPct,
        genMaxPct: cpu.genMaxPct,
        otherPct: cpu.otherPct,
        bound: cpu.bound,
      },
      flags: [...phaseFlags(p, cpu), ...overload(p.wallMs, spec.ms)],
      notes: [],
    }
  },
}

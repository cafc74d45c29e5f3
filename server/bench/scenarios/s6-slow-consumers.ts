import type { Contender } from '../contenders/contender.ts'
import { type ChannelPlan, bulkRange, roomRange, slowCount } from '../loadgen/channel-plan.ts'
import type { BenchOptions } from '../options.ts'
import { rssBytes } from '../proc-stats.ts'
import { sleep, summariseLatency } from '../stats.ts'
import { connectAll, cpuFigures, phaseFlags, ratePhase, sampleEveryFor, withProfile } from './measure.ts'
import type { CaseResult, RunContext, Scenario } from './scenario.ts'

interface S6Case {
  name: string
  subs: number
  rate: number
  bulkRate: number
  bulkBytes: number
  baseMs: number
  slowMs: number
  [k: string]: unknown
}

/** RSS growth under which the server's memory counts as bounded without closing anyone. */
const BOUNDED_GROWTH_MB = 32

/**
 * S6: 1% of the clients stop reading. Phase 1 (baseline) is S2's load: 200-byte
 * events at a fixed rate to every client. Phase 2 repeats it while the slow 1%
 * are paused and a `bulk` channel that only they joined carries 64 KB events,
 * so their backlog outgrows the kernel's socket buffers (tens of MB on
 * loopback) within seconds and lands in the server. Pass: the others' p99
 * stays within 1.2× of the baseline and the server's memory stays bounded
 * (it disconnects the slow consumers, or its RSS grows by less than the bound).
 */
export const s6SlowConsumers: Scenario<S6Case> = {
  id: 'S6',
  title: 'S6 slow consumers: 1% of clients stop reading',
  method:
    'Baseline = fixed-rate 200-byte events to all; then the same with 1% of sockets paused and fed 64 KB events on a ' +
    `channel of their own. Pass = others' p99 ≤ 1.2× baseline and memory bounded (slow consumers disconnected, or ` +
    `RSS growth ≤ ${BOUNDED_GROWTH_MB} MB). "queued" = bytes the server holds for clients (when it can tell).`,
  metrics: [
    { key: 'baseP99', label: 'base p99 ms', digits: 2 },
    { key: 'slowP99', label: 'slow p99 ms', digits: 2, ratio: true },
    { key: 'p99Ratio', label: 'p99 ×base', digits: 2 },
    { key: 'rssGrowthMB', label: 'RSS +MB', digits: 1, ratio: true },
    { key: 'bufferedMB', label: 'queued MB', digits: 1 },
    { key: 'slowClosed', label: 'slow closed' },
    { key: 'verdict', label: 'verdict' },
  ],
  cases(o: BenchOptions): S6Case[] {
    if (o.quick) return [{ name: '300 subs, 3 slow', subs: 300, rate: 20, bulkRate: 50, bulkBytes: 65_536, baseMs: 500, slowMs: 1000 }]
    return [{ name: '1k subs × 20/s, 10 slow', subs: 1000, rate: 20, bulkRate: 50, bulkBytes: 65_536, baseMs: 3000, slowMs: 6000 }]
  },
  async run(ctx: RunContext, c: Contender, spec: S6Case): Promise<CaseResult> {
    const plan: ChannelPlan = { rooms: 1, personal: false, clients: spec.subs, slowEvery: 100 }
    await connectAll(ctx, c, plan, 200)
    const main = { range: roomRange(plan), ratePerSec: spec.rate, eventBytes: 200 }
    const bulk = { range: bulkRange(plan), ratePerSec: spec.bulkRate, eventBytes: spec.bulkBytes }
    const every = sampleEveryFor((spec.subs * spec.rate * spec.baseMs) / 1000, 30_000)
    await ratePhase(ctx, c, { streams: [main], concurrency: 16, ms: ctx.options.quick ? 200 : 1000, sampleEvery: 0 })
    const base = await ratePhase(ctx, c, { streams: [main], concurrency: 16, ms: spec.baseMs, sampleEvery: every })

    const paused = await ctx.loadgen.pause()
    const rss0 = rssBytes(c.memoryPid)
    let rssMax = rss0
    const watch = setInterval(() => {
      rssMax = Math.max(rssMax, rssBytes(c.memoryPid) || 0)
    }, 200)
    let slow
    let queued: number | undefined
    try {
      slow = await withProfile(ctx, c, 'S6-slow', () => ratePhase(ctx, c, { streams: [main, bulk], concurrency: 16, ms: spec.slowMs, sampleEvery: every, drainMs: 10_000 }))
      queued = await c.buffered()
    } finally {
      clearInterval(watch)
    }
    rssMax = Math.max(rssMax, rssBytes(c.memoryPid) || 0)
    // Closes by the server are only seen once the paused sockets read again.
    await ctx.loadgen.resume()
    await sleep(ctx.options.quick ? 300 : 1000)
    const after = await ctx.loadgen.report(null)

    const b = summariseLatency(base.report.samples)
    const s = summariseLatency(slow.report.samples)
    const growthMB = (rssMax - rss0) / 2 ** 20
    const ratio = s.p99 / b.p99
    const allClosed = after.pausedCount > 0 && after.pausedClosed >= after.pausedCount
    const bounded = allClosed || growthMB <= BOUNDED_GROWTH_MB
    const cpu = cpuFigures(slow)
    const codes = Object.entries(after.closeCodes).map(([code, n]) => `${n}×${code}`).join(' ')
    return {
      metrics: {
        baseP99: b.p99,
        slowP99: s.p99,
        p99Ratio: ratio,
        rssGrowthMB: growthMB,
        bufferedMB: queued !== undefined ? queued / 2 ** 20 : undefined,
        slowClosed: `${after.pausedClosed}/${paused}`,
        verdict: ratio <= 1.2 && bounded ? 'pass' : `FAIL${ratio > 1.2 ? ' p99' : ''}${bounded ? '' : ' memory'}`,
      },
      flags: [...phaseFlags(slow, cpu), ...(codes ? [`close codes ${codes}`] : [])],
      notes: slowCount(plan) === paused ? [] : [`${c.id}: paused ${paused} of ${slowCount(plan)} slow consumers`],
    }
  },
}

import type { Contender } from '../contenders/contender.ts'
import { singleChannel } from '../loadgen/channel-plan.ts'
import type { BenchOptions } from '../options.ts'
import { sleep } from '../stats.ts'
import { connectAll } from './measure.ts'
import type { CaseResult, RunContext, Scenario } from './scenario.ts'

interface S3Case {
  name: string
  conns: number
  [k: string]: unknown
}

/**
 * S3: memory per idle, authenticated, subscribed connection: the server's RSS
 * and V8 heap after a forced full GC, before and after N connections, divided
 * by N.
 */
export const s3Memory: Scenario<S3Case> = {
  id: 'S3',
  title: 'S3 memory per idle authenticated + subscribed connection',
  method:
    '(after − before) ÷ N, each read after two forced full GCs (--expose-gc, asked over IPC; for Switchboard a probe ' +
    'preloaded with --import). KB per connection.',
  metrics: [
    { key: 'rssPerConn', label: 'RSS KB/conn', digits: 2, ratio: true, targets: [
      { vs: 'ws-tuned', op: '<=', ratio: 1.3 },
      { vs: 'socketio', op: '<=', ratio: 0.8 },
    ] },
    { key: 'heapPerConn', label: 'heap KB/conn', digits: 2, ratio: true, targets: [
      { vs: 'ws-tuned', op: '<=', ratio: 1.3 },
      { vs: 'socketio', op: '<=', ratio: 0.4 },
    ] },
    { key: 'rssMB', label: 'RSS MB', digits: 1 },
    { key: 'heapMB', label: 'heap MB', digits: 1 },
    { key: 'connectMs', label: 'connect ms', digits: 0 },
  ],
  cases(o: BenchOptions): S3Case[] {
    return o.quick ? [{ name: '1k conns', conns: 1000 }] : [{ name: '10k conns', conns: 10_000 }]
  },
  async run(ctx: RunContext, c: Contender, spec: S3Case): Promise<CaseResult> {
    await sleep(ctx.options.quick ? 100 : 300)
    const before = await c.memory()
    const conn = await connectAll(ctx, c, singleChannel(spec.conns), 200)
    // Let handshake garbage and timers settle before the GC.
    await sleep(ctx.options.quick ? 300 : 1500)
    const after = await c.memory()
    const kb = (bytes: number) => bytes / 1024 / spec.conns
    const heap = before.heapUsed !== undefined && after.heapUsed !== undefined
    return {
      metrics: {
        rssPerConn: kb(after.rss - before.rss),
        heapPerConn: heap ? kb(after.heapUsed! - before.heapUsed!) : undefined,
        rssMB: after.rss / 2 ** 20,
        heapMB: after.heapUsed !== undefined ? after.heapUsed / 2 ** 20 : undefined,
        connectMs: conn.ms,
      },
      flags: [],
      notes: heap ? [] : [`${c.id}: heap not available (no GC probe in the process): RSS only`],
    }
  },
}

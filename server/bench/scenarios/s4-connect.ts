import type { Contender } from '../contenders/contender.ts'
import { singleChannel } from '../loadgen/channel-plan.ts'
import type { BenchOptions } from '../options.ts'
import { sleep } from '../stats.ts'
import { PhaseMeter, connectAll, withProfile } from './measure.ts'
import type { CaseResult, RunContext, Scenario } from './scenario.ts'

interface S4Case {
  name: string
  conns: number
  /** Clients connected, subscribed and closed before the measured connects. */
  warm: number
  [k: string]: unknown
}

/**
 * S4: connect + authenticate + subscribe, server CPU per connection, then a
 * reconnect storm: every client drops at once and reconnects at once.
 */
export const s4Connect: Scenario<S4Case> = {
  id: 'S4',
  title: 'S4 connect + auth + subscribe, and a reconnect storm',
  method:
    'After a warm-up (N/5 clients connect, subscribe and close), N clients connect (≤100 handshakes in flight), each ' +
    'with its own JWT, and subscribe; then all drop and reconnect ' +
    'at once (no limit). Server CPU µs per connection; storm time until every client is subscribed again; ' +
    'non-server% = everything else busy during the connect phase (generator + other processes), % of one core.',
  metrics: [
    { key: 'cpuPerConn', label: 'srv µs/conn', digits: 0, ratio: true, targets: [
      { vs: 'ws-tuned', op: '<=', ratio: 1.5 },
      { vs: 'socketio', op: '<=', ratio: 0.7 },
    ] },
    { key: 'connPerSec', label: 'conn/s', digits: 0 },
    { key: 'stormMs', label: 'storm ms', digits: 0, ratio: true },
    { key: 'stormCpuPerConn', label: 'storm µs/conn', digits: 0, ratio: true },
    { key: 'stormFailed', label: 'storm fails', digits: 0 },
    { key: 'restPct', label: 'non-server%', digits: 0 },
  ],
  cases(o: BenchOptions): S4Case[] {
    // --quick stays under the listen backlog (511), so its storm needs no SYN retransmission.
    return o.quick ? [{ name: '500 clients', conns: 500, warm: 200 }] : [{ name: '5k clients', conns: 5000, warm: 1000 }]
  },
  async run(ctx: RunContext, c: Contender, spec: S4Case): Promise<CaseResult> {
    // Warm-up, as every other scenario has: a fresh server's first connections
    // run its connect path in the interpreter and pay for compiling it (on
    // V8's background threads too, which /proc counts). That one-time cost
    // grows with the amount of code on the path, not with the connections.
    await connectAll(ctx, c, singleChannel(spec.warm), 100)
    await ctx.loadgen.closeAll()
    await sleep(500)
    let meter = new PhaseMeter(c.cpuPids)
    const conn = await withProfile(ctx, c, 'S4-connect', () => connectAll(ctx, c, singleChannel(spec.conns), 100))
    const connect = meter.stop()
    meter = new PhaseMeter(c.cpuPids)
    const storm = await ctx.loadgen.storm(spec.conns)
    const stormCpu = meter.stop()
    // Busy time of everything but the server (generator and other work), % of one core.
    const restPct = (100 * (connect.hostCpuUs - connect.cpuUs)) / (connect.wallMs * 1000)
    return {
      metrics: {
        cpuPerConn: connect.cpuUs / spec.conns,
        connPerSec: (spec.conns / conn.ms) * 1000,
        stormMs: storm.ms,
        stormCpuPerConn: stormCpu.cpuUs / spec.conns,
        stormFailed: storm.failed,
        restPct,
      },
      flags: storm.failed > 0 ? [`storm: ${storm.failed} failed (${storm.errors[0] ?? ''})`] : [],
      notes: [],
    }
  },
}

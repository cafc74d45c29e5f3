import type { Contender } from '../contenders/contender.ts'
import { type ChannelPlan, personalRange, roomRange } from '../loadgen/channel-plan.ts'
import type { BenchOptions } from '../options.ts'
import { closedLoopPhase, connectAll, cpuFigures, phaseFlags, withProfile } from './measure.ts'
import type { CaseResult, RunContext, Scenario } from './scenario.ts'

interface S5Case {
  name: string
  conns: number
  roomSize: number
  ms: number
  [k: string]: unknown
}

/**
 * S5: many small rooms. Every client is in one room of 10 and in its own
 * personal channel; the publisher cycles through the rooms (fan-out 10), then
 * through the personal channels (fan-out 1). Here the per-publish cost (HTTP,
 * auth, validation, routing) dominates rather than the per-recipient write.
 */
export const s5Rooms: Scenario<S5Case> = {
  id: 'S5',
  title: 'S5 many small rooms: rooms of 10 and personal channels',
  method:
    'Closed loop, publishes round-robin over 2k rooms of 10 (then over every personal channel); zero loss required. ' +
    'µs/msg = server CPU ÷ delivered messages, so the publish path weighs 10× (rooms) or 1× (personal). ' +
    'µs/write and µs/publish (estimates) solve rooms = publish/10 + write and personal = publish + write: what one ' +
    'socket write and one HTTP publish cost, which tells a server\'s own cost from what the machine charges per write.',
  metrics: [
    { key: 'roomRate', label: 'rooms msg/s', digits: 0, ratio: true, targets: [
      { vs: 'ws-tuned', op: '>=', ratio: 1.0 },
      { vs: 'socketio', op: '>=', ratio: 1.3 },
    ] },
    { key: 'roomCpu', label: 'rooms µs/msg', digits: 2, ratio: true, targets: [
      { vs: 'ws-tuned', op: '<=', ratio: 1.0 },
      { vs: 'socketio', op: '<=', ratio: 0.6 },
    ] },
    { key: 'personalRate', label: 'personal msg/s', digits: 0 },
    { key: 'personalCpu', label: 'personal µs/msg', digits: 2, ratio: true },
    { key: 'writeCpu', label: 'µs/write', digits: 1, ratio: true },
    { key: 'publishCpu', label: 'µs/publish', digits: 1, ratio: true },
    { key: 'serverPct', label: 'srv CPU%', digits: 0 },
    { key: 'genMaxPct', label: 'gen max%', digits: 0 },
    { key: 'otherPct', label: 'other%', digits: 0 },
    { key: 'bound', label: 'bound' },
  ],
  cases(o: BenchOptions, fdLimit: number): S5Case[] {
    if (o.quick) return [{ name: '1k conns, 100 rooms', conns: 1000, roomSize: 10, ms: 500 }]
    // The server holds one fd per connection: stay under its open-files limit.
    const conns = Math.min(20_000, Math.floor((fdLimit - 500) / 10) * 10)
    return [{ name: `${(conns / 1000).toFixed(1)}k conns, ${conns / 10} rooms`, conns, roomSize: 10, ms: 2000 }]
  },
  async run(ctx: RunContext, c: Contender, spec: S5Case): Promise<CaseResult> {
    const plan: ChannelPlan = { rooms: spec.conns / spec.roomSize, personal: true, clients: spec.conns }
    await connectAll(ctx, c, plan, 300)
    const rooms = { range: roomRange(plan), fanout: spec.roomSize, window: 20_000, eventBytes: 200, concurrency: 32 }
    await closedLoopPhase(ctx, c, { ...rooms, ms: Math.min(1000, spec.ms / 2), sampleEvery: 0 })
    const pr = await withProfile(ctx, c, 'S5-rooms', () => closedLoopPhase(ctx, c, { ...rooms, ms: spec.ms, sampleEvery: 256 }))
    const personal = { range: personalRange(plan), fanout: 1, window: 5_000, eventBytes: 200, concurrency: 32 }
    const pp = await withProfile(ctx, c, 'S5-personal', () => closedLoopPhase(ctx, c, { ...personal, ms: spec.ms, sampleEvery: 256 }))
    const cpuR = cpuFigures(pr)
    const cpuP = cpuFigures(pp)
    const roomCpu = pr.serverCpuUs / Math.max(1, pr.delivered)
    const personalCpu = pp.serverCpuUs / Math.max(1, pp.delivered)
    const { write, publish } = splitCost(roomCpu, personalCpu, spec.roomSize)
    return {
      metrics: {
        roomRate: (pr.delivered / pr.wallMs) * 1000,
        roomCpu,
        personalRate: (pp.delivered / pp.wallMs) * 1000,
        personalCpu,
        writeCpu: write,
        publishCpu: publish,
        serverPct: cpuR.serverPct,
        genMaxPct: Math.max(cpuR.genMaxPct, cpuP.genMaxPct),
        otherPct: Math.max(cpuR.otherPct, cpuP.otherPct),
        bound: cpuR.bound === cpuP.bound ? cpuR.bound : `${cpuR.bound}/${cpuP.bound}`,
      },
      flags: [...phaseFlags(pr, cpuR).map((f) => `rooms: ${f}`), ...phaseFlags(pp, cpuP).map((f) => `personal: ${f}`)],
      notes: [],
    }
  },
}

/**
 * One write per recipient and one publish per event, from the two phases' CPU
 * per delivered message: rooms of `k` cost publish/k + write, personal
 * channels publish + write. An estimate (the personal phase walks ten times as
 * many channels), good enough to tell the two costs apart between runs.
 */
export function splitCost(roomCpu: number, personalCpu: number, k: number): { write: number; publish: number } {
  const write = (k * roomCpu - personalCpu) / (k - 1)
  return { write, publish: personalCpu - write }
}

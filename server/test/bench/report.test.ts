import t from 'tap'
import { type RunRecord, checkTargets, median, mergeRounds, renderScenario, renderTargets, roundRatios } from '../../bench/report.ts'
import type { AnyScenario } from '../../bench/scenarios/scenario.ts'

const scenario = {
  id: 'SX',
  title: 'SX test',
  method: 'a test scenario',
  metrics: [
    { key: 'us', label: 'µs/msg', ratio: true, targets: [{ vs: 'ws-tuned', op: '<=', ratio: 1 }] },
    { key: 'bound', label: 'bound' },
  ],
  cases: () => [],
  run: async () => ({ metrics: {}, flags: [], notes: [] }),
} as unknown as AnyScenario

function rec(contender: RunRecord['contender'], round: number, us: number | undefined, flags: string[] = []): RunRecord {
  return {
    scenario: 'SX',
    case: 'c',
    contender,
    round,
    seconds: 1,
    ...(us === undefined ? { error: 'boom' } : { result: { metrics: { us, bound: `b${round}` }, flags, notes: [] } }),
  }
}

t.test('median of odd and even counts', async (t) => {
  t.equal(median([3, 1, 2]), 2)
  t.equal(median([4, 1, 3, 2]), 2.5)
  t.equal(median([7]), 7)
})

t.test('ratios are paired by round, and a round where one side failed gives none', async (t) => {
  const records = [rec('ws-tuned', 1, 10), rec('switchboard', 1, 11), rec('ws-tuned', 2, 20), rec('switchboard', 2, 18), rec('ws-tuned', 3, undefined), rec('switchboard', 3, 5)]
  t.same(roundRatios(records, 'switchboard', 'ws-tuned', 'us'), [1.1, 0.9])
  // the median of paired ratios (1.0), not the ratio of medians (11.5 / 15 ≈ 0.77: round 3's 5 has no partner)
  const [check] = checkTargets(scenario, records, 'switchboard')
  t.equal(check!.measured.toFixed(3), '1.000')
  t.same(check!.rounds, [1.1, 0.9])
  t.equal(check!.pass, true)
  t.match(renderTargets([check!], 'switchboard'), /0\.90–1\.10× \(2\)/)
})

t.test('merged figures are medians, flags say how many rounds raised them, failed rounds become notes', async (t) => {
  const records = [rec('switchboard', 1, 30, ['CPU-SAT']), rec('switchboard', 2, 10), rec('switchboard', 3, 20, ['CPU-SAT']), rec('switchboard', 4, undefined)]
  const merged = mergeRounds(records, 'switchboard')!
  t.equal(merged.result!.metrics.us, 20)
  t.equal(merged.result!.metrics.bound, 'b1 1/3, b2 1/3, b3 1/3', 'string figures that differ are counted')
  const agreeing = mergeRounds([rec('ws-tuned', 1, 1), rec('ws-tuned', 2, 2)].map((r) => ({ ...r, result: { ...r.result!, metrics: { ...r.result!.metrics, bound: 'pass' } } })), 'ws-tuned')!
  t.equal(agreeing.result!.metrics.bound, 'pass', 'string figures that agree are shown once')
  t.same(merged.result!.flags, ['CPU-SAT (2/3)'])
  t.match(merged.result!.notes, [/round 4: boom/])
  t.equal(mergeRounds([rec('ws-tuned', 1, undefined)], 'ws-tuned')!.error, 'boom', 'all rounds failed: the failure is reported')
  t.equal(mergeRounds(records, 'ws-naive'), undefined)
})

t.test('one round renders as before: no rounds column, ratio of the single pair', async (t) => {
  const records = [rec('ws-tuned', 1, 10), rec('switchboard', 1, 12)]
  const table = renderScenario(scenario, records)
  t.match(table, /\| c +\| switchboard \| 12\.00 +\| b1 +\| 1\.20× /)
  t.notMatch(table, /rounds/)
  t.notMatch(renderTargets(checkTargets(scenario, records, 'switchboard'), 'switchboard'), /rounds/)
  t.match(renderTargets(checkTargets(scenario, records, 'switchboard'), 'switchboard'), /1\.20× +\| MISSED/)
})

t.test('several rounds: the table says so and shows medians', async (t) => {
  const records = [1, 2, 3].flatMap((r) => [rec('ws-tuned', r, 10 * r), rec('switchboard', r, 9 * r)])
  const table = renderScenario(scenario, records)
  t.match(table, /3 rounds, contenders interleaved/)
  t.match(table, /\| switchboard \| 18\.00 +\| b1 1\/3, b2 1\/3, b3 1\/3 +\| 0\.90× /)
})

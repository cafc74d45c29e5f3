import t from 'tap'
import { RetentionJob } from '../../src/storage/retention.ts'

function job() {
  const infos: unknown[] = []
  const warns: unknown[] = []
  const retention = new RetentionJob({ intervalMs: 60_000, log: { info: (o) => void infos.push(o), warn: (o) => void warns.push(o) } })
  return { retention, infos, warns }
}

t.test('runs every task with the same clock and reports what each deleted', async (t) => {
  const { retention, infos } = job()
  const seen: Date[] = []
  retention.add({ name: 'a', run: async (now) => (seen.push(now), 3) })
  retention.add({ name: 'b', run: async (now) => (seen.push(now), 0) })
  const now = new Date('2026-01-31T00:00:00Z')
  t.same(await retention.runOnce(now), { a: 3, b: 0 })
  t.same(seen, [now, now])
  t.same(infos, [{ deleted: { a: 3, b: 0 } }])
})

t.test('a failing task is logged and the others still run', async (t) => {
  const { retention, warns } = job()
  retention.add({ name: 'broken', run: async () => Promise.reject(new Error('db down')) })
  retention.add({ name: 'fine', run: async () => 1 })
  t.same(await retention.runOnce(), { fine: 1 })
  t.equal(warns.length, 1)
  t.match(warns[0], { task: 'broken' })
})

t.test('concurrent runs share one pass', async (t) => {
  const { retention } = job()
  let calls = 0
  retention.add({ name: 'slow', run: async () => (calls++, new Promise<number>((r) => setTimeout(() => r(1), 20))) })
  const [a, b] = await Promise.all([retention.runOnce(), retention.runOnce()])
  t.equal(calls, 1)
  t.same(a, b)
})

t.test('nothing deleted is not worth a log line; stop waits for a run in progress', async (t) => {
  const { retention, infos } = job()
  let finished = false
  retention.add({ name: 'x', run: async () => new Promise<number>((r) => setTimeout(() => ((finished = true), r(0)), 20)) })
  const run = retention.runOnce()
  await retention.stop()
  t.equal(finished, true)
  await run
  t.same(infos, [])
})

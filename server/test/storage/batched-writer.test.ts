import { Registry } from 'prom-client'
import t from 'tap'
import { BatchedWriter, writerMetrics, type BatchedWriterOptions } from '../../src/storage/batched-writer.ts'

interface Warn {
  obj: Record<string, unknown>
  msg: string
}

function setup<T>(overrides: Partial<BatchedWriterOptions<T>> & Pick<BatchedWriterOptions<T>, 'write'>) {
  const registry = new Registry()
  const warnings: Warn[] = []
  const log = {
    warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ obj, msg }),
    error: () => {},
  } as unknown as BatchedWriterOptions<T>['log']
  const writer = new BatchedWriter<T>({
    name: 'test',
    batchSize: 3,
    flushMs: 60_000,
    maxBuffer: 5,
    metrics: writerMetrics(registry),
    log,
    ...overrides,
  })
  return { writer, registry, warnings }
}

/** The writer's timer is unref'd: keep the loop alive (bounded) while a test waits on it. */
async function within<T>(promise: Promise<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms)))
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves once `cond` holds (polled; bound it with `within`). */
async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
}

async function metric(registry: Registry, name: string): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get()
  return m.values.find((v) => v.labels.writer === 'test')?.value ?? 0
}

t.test('writes buffered records in batches of batchSize, in order', async (t) => {
  const batches: number[][] = []
  const { writer } = setup<number>({ write: async (b) => void batches.push(b), maxBuffer: 100 })
  t.teardown(() => writer.close())
  for (let i = 1; i <= 7; i++) t.ok(writer.push(i))
  await writer.flush()
  t.same(batches, [[1, 2, 3], [4, 5, 6], [7]])
  t.equal(writer.size, 0)
  t.equal(writer.stats.written, 7)
})

t.test('a full batch is written without waiting for the interval', async (t) => {
  const batches: number[][] = []
  let resolveWritten!: () => void
  const written = new Promise<void>((r) => (resolveWritten = r))
  const { writer } = setup<number>({
    write: async (b) => {
      batches.push(b)
      resolveWritten()
    },
  })
  t.teardown(() => writer.close())
  writer.push(1)
  writer.push(2)
  t.same(batches, [], 'nothing written below batchSize')
  writer.push(3)
  t.same(batches, [], 'never written from inside push')
  await within(written)
  t.same(batches, [[1, 2, 3]])
})

t.test('the interval flushes a partial batch', async (t) => {
  const batches: number[][] = []
  let resolveWritten!: () => void
  const written = new Promise<void>((r) => (resolveWritten = r))
  const { writer } = setup<number>({
    flushMs: 20,
    write: async (b) => {
      batches.push(b)
      resolveWritten()
    },
  })
  t.teardown(() => writer.close())
  writer.push(42)
  await within(written)
  t.same(batches, [[42]])
})

t.test('a full buffer drops new records, counts them, and stays bounded', async (t) => {
  const { writer, registry } = setup<number>({ write: () => new Promise(() => {}) })
  let accepted = 0
  for (let i = 0; i < 1000; i++) if (writer.push(i)) accepted++
  t.equal(accepted, 5, 'maxBuffer records accepted')
  t.equal(writer.size, 5)
  t.equal(writer.stats.dropped, 995)
  t.equal(await metric(registry, 'switchboard_db_writer_dropped_total'), 995)
  t.equal(await metric(registry, 'switchboard_db_writer_buffered'), 5)
})

t.test('a failed batch is put back in front and written on the next attempt', async (t) => {
  const batches: number[][] = []
  let fail = true
  const { writer, registry } = setup<number>({
    maxBuffer: 10,
    write: async (b) => {
      if (fail) throw new Error('database down')
      batches.push(b)
    },
  })
  t.teardown(() => writer.close())
  for (let i = 1; i <= 4; i++) writer.push(i)
  await writer.flush()
  t.equal(writer.size, 4, 'nothing lost on a failure that fits')
  t.equal(writer.stats.failures, 1)
  t.equal(await metric(registry, 'switchboard_db_writer_flush_failures_total'), 1)
  writer.push(5)
  fail = false
  await writer.flush()
  t.same(batches, [[1, 2, 3], [4, 5]], 'order kept across the retry')
})

t.test('a failed batch that no longer fits is dropped and counted', async (t) => {
  let release!: (err: Error) => void
  const { writer } = setup<number>({
    write: () =>
      new Promise<void>((_, reject) => {
        release = reject
      }),
  })
  for (let i = 1; i <= 3; i++) writer.push(i)
  const flushing = writer.flush()
  // batch [1,2,3] is in flight; the buffer refills to its bound meanwhile
  for (let i = 4; i <= 20; i++) writer.push(i)
  t.equal(writer.size, 5)
  release(new Error('database down'))
  await flushing
  t.equal(writer.size, 5, 'still bounded after the failure')
  t.equal(writer.stats.dropped, 12 + 3, 'the 12 over the bound plus the 3 of the batch that did not fit')
  await t.resolves(Promise.race([writer.close(), Promise.resolve()]))
})

t.test('drops are reported in one warning per interval, not one per record', async (t) => {
  const { writer, warnings } = setup<number>({ flushMs: 20, write: () => new Promise(() => {}) })
  const drops = () => warnings.filter((w) => typeof w.obj.dropped === 'number' && (w.obj.dropped as number) > 0)
  for (let i = 0; i < 100; i++) writer.push(i)
  await within(until(() => drops().length > 0))
  t.equal(drops().length, 1, 'one warning for the 95 drops of the first interval')
  t.equal(drops()[0]!.obj.dropped, 95)
  t.equal(drops()[0]!.obj.writer, 'test')
  // the first tick put 3 records in flight (a write that never settles), leaving room for 3
  for (let i = 0; i < 10; i++) writer.push(i)
  t.equal(writer.stats.dropped, 102)
  await within(until(() => drops().length > 1))
  t.equal(drops()[1]!.obj.dropped, 7, 'the next interval reports only its own drops')
  t.equal(drops()[1]!.obj.droppedTotal, 102)
})

t.test('keyed records coalesce: the newest snapshot replaces the buffered one', async (t) => {
  const batches: Array<Array<{ id: string; v: number }>> = []
  const { writer } = setup<{ id: string; v: number }>({
    key: (r) => r.id,
    maxBuffer: 2,
    write: async (b) => void batches.push(b),
  })
  t.teardown(() => writer.close())
  t.ok(writer.push({ id: 'a', v: 1 }))
  t.ok(writer.push({ id: 'b', v: 1 }))
  t.ok(writer.push({ id: 'a', v: 2 }), 'a known key is accepted even when the buffer is full')
  t.notOk(writer.push({ id: 'c', v: 1 }), 'a new key is not')
  await writer.flush()
  t.same(batches, [[{ id: 'a', v: 2 }, { id: 'b', v: 1 }]])
})

t.test('a failed keyed batch never overwrites a newer snapshot that arrived meanwhile', async (t) => {
  const batches: Array<Array<{ id: string; v: number }>> = []
  let fail = true
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  const { writer } = setup<{ id: string; v: number }>({
    key: (r) => r.id,
    maxBuffer: 10,
    write: async (b) => {
      if (fail) {
        await gate
        throw new Error('down')
      }
      batches.push(b)
    },
  })
  t.teardown(() => writer.close())
  writer.push({ id: 'a', v: 1 })
  writer.push({ id: 'b', v: 1 })
  const flushing = writer.flush()
  writer.push({ id: 'a', v: 2 })
  release()
  await flushing
  fail = false
  await writer.flush()
  t.same(batches.flat().sort((x, y) => x.id.localeCompare(y.id)), [
    { id: 'a', v: 2 },
    { id: 'b', v: 1 },
  ])
})

t.test('close writes what is left; records pushed after close are dropped', async (t) => {
  const batches: number[][] = []
  const { writer } = setup<number>({ write: async (b) => void batches.push(b) })
  writer.push(1)
  writer.push(2)
  await writer.close()
  t.same(batches, [[1, 2]])
  t.notOk(writer.push(3))
  t.equal(writer.stats.dropped, 1)
})

t.test('close counts what it could not write', async (t) => {
  const { writer, warnings } = setup<number>({ write: async () => Promise.reject(new Error('down')) })
  writer.push(1)
  writer.push(2)
  await writer.close()
  t.equal(writer.stats.dropped, 2)
  t.equal(writer.size, 0)
  t.ok(warnings.some((w) => w.obj.dropped === 2))
})

t.test('writers of one registry share the metrics, told apart by label', async (t) => {
  const registry = new Registry()
  const a = writerMetrics(registry)
  const b = writerMetrics(registry)
  t.equal(a.dropped, b.dropped)
})

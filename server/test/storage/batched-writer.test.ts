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

/** What node-postgres and PGlite both throw for a NUL in text or JSON: SQLSTATE 22P05, class 22 (data exception). */
const refused = () => Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' })

t.test('a batch refused for one record stores the others, drops only that one, counts and logs it', async (t) => {
  const batches: number[][] = []
  const { writer, registry, warnings } = setup<number>({
    maxBuffer: 100,
    batchSize: 8,
    write: async (b) => {
      if (b.includes(13)) throw refused()
      batches.push(b)
    },
  })
  t.teardown(() => writer.close())
  for (let i = 10; i < 18; i++) writer.push(i)
  await writer.flush()
  t.same(batches.flat(), [10, 11, 12, 14, 15, 16, 17], 'every other record of the batch stored, in order')
  t.equal(writer.size, 0, 'nothing requeued: the refused record would fail forever')
  t.equal(writer.stats.refused, 1)
  t.equal(writer.stats.dropped, 0, 'not a buffer drop')
  t.equal(await metric(registry, 'switchboard_db_writer_refused_total'), 1)
  t.equal(await metric(registry, 'switchboard_db_writer_written_total'), 7)
  const warned = warnings.filter((w) => w.obj.sqlState !== undefined)
  t.equal(warned.length, 1, 'one warning for the refused record')
  t.match(warned[0], { obj: { writer: 'test', sqlState: '22P05', reason: 'unsupported Unicode escape sequence' }, msg: /refused/ })
  t.notOk('err' in warned[0]!.obj, 'the error object (whose fields can quote the row) is not logged')

  writer.push(18)
  await writer.flush()
  t.same(batches.at(-1), [18], 'later records are not held back')
})

t.test('a keyed writer names the refused record by its key', async (t) => {
  const { writer, warnings } = setup<{ id: string }>({
    key: (r) => r.id,
    write: async (b) => {
      if (b.some((r) => r.id === 'bad')) throw refused()
    },
  })
  t.teardown(() => writer.close())
  writer.push({ id: 'ok' })
  writer.push({ id: 'bad' })
  await writer.flush()
  t.equal(writer.stats.written, 1)
  t.match(warnings.find((w) => w.obj.sqlState === '22P05'), { obj: { writer: 'test', key: 'bad' } })
})

t.test('a transient failure is retried as before, even when it carries a SQLSTATE of another class', async (t) => {
  const batches: number[][] = []
  let failures = 2
  const { writer } = setup<number>({
    maxBuffer: 10,
    write: async (b) => {
      // 57P01: admin shutdown (server restarting); 08006: connection failure
      if (failures-- > 0) throw Object.assign(new Error('terminating connection'), { code: failures === 1 ? '57P01' : '08006' })
      batches.push(b)
    },
  })
  t.teardown(() => writer.close())
  for (let i = 1; i <= 3; i++) writer.push(i)
  await writer.flush()
  t.equal(writer.size, 3, 'put back whole')
  await writer.flush()
  t.equal(writer.size, 3, 'still there after the second failure')
  await writer.flush()
  t.same(batches, [[1, 2, 3]])
  t.equal(writer.stats.refused, 0)
  t.equal(writer.stats.dropped, 0)
})

t.test('a transient failure while a refused batch is split puts the unwritten rest back, in order', async (t) => {
  const batches: number[][] = []
  let down = false
  const { writer } = setup<number>({
    maxBuffer: 100,
    batchSize: 8,
    write: async (b) => {
      if (down) throw new Error('connection lost')
      if (b.includes(1)) {
        // the first half goes through the split; the database drops away right after the refusal
        if (b.length === 1) down = true
        throw refused()
      }
      batches.push(b)
    },
  })
  t.teardown(() => writer.close())
  for (let i = 0; i < 8; i++) writer.push(i)
  await writer.flush()
  t.same(batches.flat(), [0], 'written before the failure')
  t.equal(writer.stats.refused, 1, 'the record refused on its own is dropped')
  t.equal(writer.size, 6, 'the rest of the batch is back in the buffer')
  down = false
  await writer.flush()
  t.same(batches.flat(), [0, 2, 3, 4, 5, 6, 7], 'written on the next attempt, order kept, none twice')
  t.equal(writer.stats.written + writer.stats.refused, 8, 'every record written or counted as refused')
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

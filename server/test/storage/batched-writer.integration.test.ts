import { Registry } from 'prom-client'
import t from 'tap'
import type { LogDraft } from '../../src/modules/logs/log-record.ts'
import { WebsocketLogRepository } from '../../src/modules/logs/websocket-log.repository.ts'
import { BatchedWriter, writerMetrics } from '../../src/storage/batched-writer.ts'
import { query, tableName, type Orm } from '../../src/storage/database.ts'
import { DRIVERS, openTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { tcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts'

const FLUSH_MS = 25
const MAX_BUFFER = 1_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(10)
  }
}

const record = (i: number): LogDraft => ({
  connectionId: `c${i % 97}`,
  tenant: 't1',
  eventType: 'message',
  level: 'debug',
  message: `record ${i}`,
  createdAt: new Date().toISOString(),
})

async function rows(orm: Orm): Promise<number> {
  const r = await query<{ n: number }>(orm, `select count(*)::int as n from ${tableName(orm, 'websocket_log')}`)
  return r[0]!.n
}

/** A database that can be taken down and brought back: a TCP proxy for PostgreSQL, closing the cluster for PGlite. */
interface Outage {
  db: TestDatabase
  stop(): Promise<void>
  start(): Promise<void>
  close(): Promise<void>
}

async function outageFor(driver: (typeof DRIVERS)[number], dir: string): Promise<Outage> {
  if (driver === 'postgresql') {
    const proxy: TcpProxy = await tcpProxy({ host: '127.0.0.1', port: 5432 })
    const db = await openTestDatabase('postgresql', { url: `postgres://postgres@127.0.0.1:${proxy.port}/test` })
    return {
      db,
      stop: async () => proxy.stop(),
      start: async () => proxy.start(),
      close: async () => {
        proxy.start()
        await db.close()
        await proxy.close()
      },
    }
  }
  const db = await openTestDatabase('pglite', { dataDir: `${dir}/pglite` })
  return {
    db,
    // Closing the cluster under the ORM: every query fails until it is opened again.
    stop: async () => {
      const native = (await db.orm.em.getConnection().getNativeClient()) as { close(): Promise<void> }
      await native.close()
    },
    start: async () => {
      await db.orm.close(true).catch(() => {})
      await db.orm.connect()
    },
    close: () => db.close(),
  }
}

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const outage = await outageFor(driver, t.testdir())
    t.teardown(() => outage.close())
    const { db } = outage
    const repo = new WebsocketLogRepository(db.orm)
    const registry = new Registry()
    const warnings: Array<{ dropped?: number }> = []
    const writer = new BatchedWriter<LogDraft>({
      name: 'websocket_log',
      write: (batch) => repo.insertMany(batch),
      batchSize: 200,
      flushMs: FLUSH_MS,
      maxBuffer: MAX_BUFFER,
      metrics: writerMetrics(registry),
      log: { warn: (obj: { dropped?: number }) => void warnings.push(obj), error: () => {} } as never,
    })
    let pushed = 0
    let maxSize = 0
    const load = async (rounds: number, perRound: number, paced = false) => {
      for (let r = 0; r < rounds; r++) {
        // paced: a round starts once it fits in the buffer (on a loaded machine a flush can take
        // longer than the pause between rounds; that is backlog, not what this test is about)
        if (paced) await until(() => writer.size + perRound <= MAX_BUFFER)
        for (let i = 0; i < perRound; i++) {
          writer.push(record(pushed++))
          maxSize = Math.max(maxSize, writer.size)
        }
        await sleep(FLUSH_MS / 2)
      }
    }

    t.test('with the database up, everything pushed is written', async (t) => {
      await load(10, 300, true)
      await until(() => writer.size === 0)
      await writer.flush()
      t.equal(writer.stats.dropped, 0)
      t.equal(await rows(db.orm), pushed)
    })

    t.test('with the database down, pushes go on, the buffer stays bounded, drops are counted and reported', async (t) => {
      await writer.flush()
      await outage.stop()
      const before = { pushed, written: writer.stats.written }
      maxSize = 0
      let threw = false
      try {
        await load(40, 500)
      } catch {
        threw = true
      }
      t.notOk(threw, 'push never throws')
      t.ok(maxSize <= MAX_BUFFER, `buffer peaked at ${maxSize} (bound ${MAX_BUFFER})`)
      t.equal(writer.stats.written, before.written, 'nothing written while down')
      t.ok(writer.stats.failures > 0, 'flushes were attempted and failed')
      t.ok(writer.stats.dropped >= pushed - before.pushed - MAX_BUFFER, `dropped ${writer.stats.dropped}`)
      const metric = (await registry.getSingleMetric('switchboard_db_writer_dropped_total')!.get()).values[0]?.value
      t.equal(metric, writer.stats.dropped, 'the drop counter metric agrees')
      await until(() => warnings.reduce((n, w) => n + (w.dropped ?? 0), 0) === writer.stats.dropped)
      t.ok(warnings.length < writer.stats.dropped / 100, `${warnings.length} warnings for ${writer.stats.dropped} drops: aggregated per interval`)
    })

    t.test('when the database is back, the buffered records are written and none is unaccounted for', async (t) => {
      await outage.start()
      await until(() => writer.size === 0)
      await writer.flush()
      t.equal(await rows(db.orm), writer.stats.written, 'what the writer says it wrote is in the table')
      t.equal(writer.stats.written + writer.stats.dropped, pushed, 'every record pushed was written or counted as dropped')
      await writer.close()
    })
  })
}

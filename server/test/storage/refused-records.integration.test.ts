import { Registry } from 'prom-client'
import t from 'tap'
import type { LogDraft } from '../../src/modules/logs/log-record.ts'
import { ServiceLogRepository, type ServiceLogDraft } from '../../src/modules/logs/service-log.repository.ts'
import { WebsocketLogRepository } from '../../src/modules/logs/websocket-log.repository.ts'
import { BatchedWriter, writerMetrics, type BatchedWriterOptions } from '../../src/storage/batched-writer.ts'
import { query, tableName, type Orm } from '../../src/storage/database.ts'
import { eventually, persistenceApp } from '../helpers/app.ts'
import { DRIVERS, openTestDatabase } from '../helpers/database.ts'
import { TestClient } from '../helpers/ws-client.ts'

/**
 * PostgreSQL and PGlite refuse a NUL in text or jsonb (22P05). One such row
 * must cost only itself: before, the writer put its batch back in front and
 * retried it every tick, so every later row of every tenant stayed unwritten.
 */

const logDraft = (message: string, metadata: Record<string, unknown> | null = null): LogDraft => ({
  connectionId: 'c1',
  tenant: 't1',
  eventType: 'disconnect',
  level: 'info',
  message,
  metadata,
  createdAt: new Date().toISOString(),
})

const serviceDraft = (message: string): ServiceLogDraft => ({ tenant: 't1', level: 'info', service: 'api', message, timestamp: new Date().toISOString() })

async function messages(orm: Orm, table: string): Promise<string[]> {
  return (await query<{ message: string }>(orm, `select message from ${tableName(orm, table)} order by id`)).map((r) => r.message)
}

function writerFor<T>(write: (batch: T[]) => Promise<void>) {
  const registry = new Registry()
  const warnings: Array<Record<string, unknown>> = []
  const writer = new BatchedWriter<T>({
    name: 'test',
    write,
    batchSize: 50,
    flushMs: 60_000,
    maxBuffer: 1_000,
    metrics: writerMetrics(registry),
    log: { warn: (obj: Record<string, unknown>) => void warnings.push(obj), error: () => {} } as unknown as BatchedWriterOptions<T>['log'],
  })
  return { writer, warnings }
}

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())

    t.test('the writer drops only the row the database refuses and writes the rest of its batch and what follows', async (t) => {
      await db.truncate()
      const repo = new WebsocketLogRepository(db.orm)
      const { writer, warnings } = writerFor<LogDraft>((batch) => repo.insertMany(batch))
      t.teardown(() => writer.close())
      // a NUL in the text column, then one in the jsonb column: straight to the writer, past any cleaning
      for (const d of [logDraft('a'), logDraft('bye\u0000'), logDraft('b'), logDraft('c', { reason: 'x\u0000' }), logDraft('d')]) writer.push(d)
      await writer.flush()
      writer.push(logDraft('later'))
      await writer.flush()
      t.same(await messages(db.orm, 'websocket_log'), ['a', 'b', 'd', 'later'])
      t.equal(writer.size, 0, 'nothing left waiting for a retry that would fail forever')
      t.equal(writer.stats.refused, 2)
      t.same(
        warnings.filter((w) => w.sqlState !== undefined).map((w) => [w.writer, w.sqlState]),
        [
          ['test', '22P05'],
          ['test', '22P05'],
        ],
        `${driver} reports a data exception (class 22) for each refused row`,
      )

      const services = new ServiceLogRepository(db.orm)
      const service = writerFor<ServiceLogDraft>((batch) => services.insertMany(batch))
      t.teardown(() => service.writer.close())
      for (const m of ['one', 'a\u0000b', 'two']) service.writer.push(serviceDraft(m))
      await service.writer.flush()
      t.same(await messages(db.orm, 'service_log'), ['one', 'two'])
      t.equal(service.writer.stats.refused, 1)
    })

    t.test('a close reason and a service log with a NUL are stored, and rows after them are not held back', async (t) => {
      await db.truncate()
      const { app, url, token } = await persistenceApp(db)
      t.teardown(() => app.close())
      const refused = async () => {
        const m = await app.metrics.registry.getSingleMetric('switchboard_db_writer_refused_total')!.get()
        return m.values.reduce((n, v) => n + v.value, 0)
      }

      const first = await TestClient.connect(url, token({ sub: 'alice', tenant: 't1', roles: ['user'] }))
      first.socket.close(1000, 'bye\u0000')
      await first.closed
      const ingest = (message: string, metadata?: Record<string, unknown>) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/notifications/logs',
          headers: { authorization: `Bearer ${token({ sub: 'svc', tenant: 't1', roles: ['service'] })}` },
          payload: { entries: [{ level: 'info', service: 'api', message, ...(metadata ? { metadata } : {}) }] },
        })
      t.equal((await ingest('a\u0000b', { 'k\u0000': 'v\u0000' })).statusCode, 202)
      const second = await TestClient.connect(url, token({ sub: 'bob', tenant: 't2', roles: ['user'] }))
      second.socket.close(1000, 'after')
      await second.closed
      t.equal((await ingest('after')).statusCode, 202)

      const closes = await eventually(
        () => messages(db.orm, 'websocket_log').then((all) => all.filter((m) => m.startsWith('closed'))),
        (m) => m.length === 2,
      )
      t.same(closes, ['closed 1000 (bye\uFFFD)', 'closed 1000 (after)'], 'the NUL replaced, the row stored, the next tenant not held back')
      const reasons = await eventually(
        () => query<{ close_reason: string | null }>(db.orm, `select close_reason from ${tableName(db.orm, 'websocket_connection')} where user_id in ('alice', 'bob') order by user_id`),
        (rows) => rows.length === 2 && rows.every((r) => r.close_reason !== null),
      )
      t.same(reasons.map((r) => r.close_reason), ['bye\uFFFD', 'after'])
      const logged = await eventually(
        () => query<{ message: string; metadata: unknown }>(db.orm, `select message, metadata from ${tableName(db.orm, 'service_log')} order by id`),
        (rows) => rows.length === 2,
      )
      t.same(logged, [
        { message: 'a\uFFFDb', metadata: { 'k\uFFFD': 'v\uFFFD' } },
        { message: 'after', metadata: null },
      ])
      t.equal(await refused(), 0, 'nothing had to be dropped')
    })
  })
}

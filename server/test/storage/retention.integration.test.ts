import t from 'tap'
import type { LogDraft } from '../../src/modules/logs/log-record.ts'
import { clientSnapshot } from '../../src/modules/connections/connection-snapshot.ts'
import { ConnectionRepository } from '../../src/modules/connections/connection.repository.ts'
import { ServiceLogRepository } from '../../src/modules/logs/service-log.repository.ts'
import { WebsocketLogRepository } from '../../src/modules/logs/websocket-log.repository.ts'
import { query, tableName } from '../../src/storage/database.ts'
import { persistenceApp } from '../helpers/app.ts'
import { DRIVERS, openTestDatabase } from '../helpers/database.ts'

const DAY = 86_400_000

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())
    const { app } = await persistenceApp(db, { LOG_RETENTION_DAYS: '30', HISTORY_CHANNELS: 'orders=10:60' })
    t.teardown(() => app.close())
    const count = async (table: string) => (await query<{ n: number }>(db.orm, `select count(*)::int as n from ${tableName(db.orm, table)}`))[0]!.n

    t.test('one run deletes what is older than LOG_RETENTION_DAYS in every table, and expired history', async (t) => {
      const old = new Date(Date.now() - 31 * DAY)
      const recent = new Date(Date.now() - 29 * DAY)
      const draft = (at: Date): LogDraft => ({ connectionId: 'c', tenant: 't1', eventType: 'connect', level: 'info', message: 'm', createdAt: at.toISOString() })
      await new WebsocketLogRepository(db.orm).insertMany([draft(old), draft(old), draft(recent)])
      await new ServiceLogRepository(db.orm).insertMany([{ tenant: 't1', timestamp: old.toISOString(), level: 'info', service: 's', message: 'm' }])
      await query(db.orm, `update ${tableName(db.orm, 'service_log')} set created_at = ?`, [old])
      const info = { id: 'x', ip: '1', userAgent: undefined, origin: undefined, connectedAt: old.getTime(), user: 'u', tenant: 't1', roles: [], authenticatedAt: undefined, lastPongAt: undefined, messagesIn: 0, messagesOut: 0, subscriptions: new Set<string>() }
      await new ConnectionRepository(db.orm).upsertSnapshots([
        clientSnapshot(info, 'i', { code: 1000, reason: '', at: old }),
        clientSnapshot({ ...info, id: 'still-open' }, 'i'),
      ])
      await query(db.orm, `update ${tableName(db.orm, 'websocket_connection')} set updated_at = ?`, [old])
      await app.inject({
        method: 'POST',
        url: '/api/publish',
        headers: { authorization: `Bearer ${app.signToken({ sub: 's', tenant: 't1', roles: ['service'] })}` },
        payload: { type: 'task_event', tenant: 't1', channel: 'orders', data: { action: 'created', taskId: 1 } },
      })
      await query(db.orm, `update ${tableName(db.orm, 'channel_message')} set expires_at = ?`, [old])

      const deleted = await app.retention.runOnce()
      t.match(deleted, { websocket_log: 2, service_log: 1, websocket_connection: 1, channel_message: 1 })
      t.equal(await count('websocket_log'), 1, 'the recent entry stays')
      t.equal(await count('websocket_connection'), 1, 'an open connection is never deleted')
      t.same(await app.retention.runOnce(), { websocket_log: 0, service_log: 0, websocket_connection: 0, channel_message: 0 }, 'idempotent')
    })
  })
}

import t from 'tap'
import { clientSnapshot } from '../../../src/modules/connections/connection-snapshot.ts'
import { ConnectionRepository } from '../../../src/modules/connections/connection.repository.ts'
import type { ConnectionInfo } from '../../../src/realtime/connection-observer.ts'
import { eventually, persistenceApp } from '../../helpers/app.ts'
import { DRIVERS, openTestDatabase } from '../../helpers/database.ts'
import { TestClient } from '../../helpers/ws-client.ts'

const stale: ConnectionInfo = {
  id: 'left-open',
  ip: '127.0.0.1',
  userAgent: undefined,
  origin: undefined,
  connectedAt: Date.now() - 3600_000,
  user: 'ghost',
  tenant: 't1',
  roles: [],
  authenticatedAt: undefined,
  lastPongAt: undefined,
  messagesIn: 0,
  messagesOut: 0,
  subscriptions: new Set(),
}

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())
    const repo = new ConnectionRepository(db.orm)

    t.test('rows a crashed run left "connected" are closed at start-up (single instance)', async (t) => {
      await repo.upsertSnapshots([clientSnapshot(stale, 'crashed-instance')])
      const { app } = await persistenceApp(db)
      t.teardown(() => app.close())
      const row = await repo.get('left-open')
      t.equal(row?.status, 'disconnected')
      t.match(row?.closeReason, /stopped without closing/)
    })

    t.test('a graceful shutdown records every open connection as closed with 1001', async (t) => {
      const { app, url, token } = await persistenceApp(db)
      const clients = await Promise.all([1, 2, 3].map((i) => TestClient.connect(url, token({ sub: `u${i}`, tenant: 't1', roles: ['user'] }))))
      const ids = await eventually(
        async () => (await repo.list({ status: 'connected' }, { limit: 10, offset: 0 })).items.map((r) => r.id),
        (rows) => rows.length === 3,
      )
      t.equal(ids.length, 3)
      await app.close()
      const codes = await Promise.all(clients.map((c) => c.closed))
      t.same(codes.map((c) => c.code), [1001, 1001, 1001])
      for (const id of ids) {
        const row = await repo.get(id)
        t.match(row, { status: 'disconnected', closeCode: 1001 }, `${id} recorded closed before the app finished closing`)
      }
    })
  })
}

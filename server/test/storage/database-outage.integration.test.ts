import t from 'tap'
import { eventually, persistenceApp } from '../helpers/app.ts'
import { DRIVERS, openTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { tcpProxy } from '../helpers/tcp-proxy.ts'
import { TestClient } from '../helpers/ws-client.ts'

/** A test database that can go down and come back (see batched-writer.integration.test.ts). */
async function outageFor(driver: (typeof DRIVERS)[number], dir: string) {
  if (driver === 'postgresql') {
    const proxy = await tcpProxy({ host: '127.0.0.1', port: 5432 })
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
  const db: TestDatabase = await openTestDatabase('pglite', { dataDir: `${dir}/pglite` })
  return {
    db,
    stop: async () => ((await db.orm.em.getConnection().getNativeClient()) as { close(): Promise<void> }).close(),
    start: async () => {
      await db.orm.close(true).catch(() => {})
      await db.orm.connect()
    },
    close: () => db.close(),
  }
}

const metric = (text: string, name: string, writer: string) => {
  const m = new RegExp(`^${name}\\{writer="${writer}"\\} (\\d+)`, 'm').exec(text)
  return m ? Number(m[1]) : 0
}

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const outage = await outageFor(driver, t.testdir())
    t.teardown(() => outage.close())
    const { app, url, token } = await persistenceApp(outage.db, {
      WRITER_MAX_BUFFER: '20',
      WRITER_BATCH_SIZE: '5',
      WRITER_FLUSH_MS: '20',
      HISTORY_CHANNELS: 'ledger=100:300',
      WS_MAX_CONNECTIONS_PER_IP_PER_MINUTE: '1000',
    })
    t.teardown(() => app.close())
    const admin = token({ sub: 'root', tenant: 'ops', roles: ['admin'] })
    const service = token({ sub: 'svc', tenant: 't1', roles: ['service'] })
    const publish = (channel: string, n: number) =>
      app.inject({
        method: 'POST',
        url: '/api/publish',
        headers: { authorization: `Bearer ${service}` },
        payload: { type: 'task_event', tenant: 't1', channel, data: { action: 'created', taskId: n } },
      })

    const watcher = await TestClient.connect(url, token({ sub: 'w', tenant: 't1', roles: ['user'] }))
    t.teardown(() => watcher.close())
    await watcher.request({ type: 'subscribe', channels: ['orders', 'ledger'] })

    t.test('with the database down, clients connect, publish and receive as before', async (t) => {
      await outage.stop()
      // churn: short-lived connections, each a registry row and log entries the writers cannot store
      for (let i = 0; i < 40; i++) {
        const c = await TestClient.connect(url, token({ sub: `u${i}`, tenant: 't1', roles: ['user'] }))
        await c.request({ type: 'subscribe', channels: ['orders'] })
        c.close()
        await c.closed
      }
      const statuses = []
      for (let n = 1; n <= 30; n++) statuses.push((await publish('orders', n)).statusCode)
      t.same(new Set(statuses), new Set([200]), 'every publish accepted')
      const got = []
      for (let n = 0; n < 30; n++) got.push(await watcher.next((f) => f.type === 'task_event' && f.channel === 'orders'))
      t.same(got.map((f) => (f.data as { taskId: number }).taskId), Array.from({ length: 30 }, (_, i) => i + 1), 'every event delivered, in order')

      const onHistory = await publish('ledger', 99)
      t.equal(onHistory.statusCode, 200, 'a channel with history still publishes')
      t.equal(onHistory.json().offset, undefined, 'without a position while its history cannot be written')
      t.equal((await watcher.next((f) => f.channel === 'ledger')).offset, undefined)

      t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
      const api = await app.inject({ method: 'GET', url: '/api/websocket/connections', headers: { authorization: `Bearer ${admin}` } })
      t.equal(api.statusCode, 503, 'database-backed APIs say so')
      t.equal(api.json().code, 'UNAVAILABLE')

      const metrics = await eventually(
        async () => (await app.inject({ method: 'GET', url: '/metrics' })).body,
        (text) => metric(text, 'switchboard_db_writer_dropped_total', 'websocket_log') > 0,
      )
      t.ok(metric(metrics, 'switchboard_db_writer_dropped_total', 'websocket_log') > 0, 'log records dropped and counted')
      t.ok(metric(metrics, 'switchboard_db_writer_dropped_total', 'websocket_connection') > 0, 'registry records dropped and counted')
      t.ok(metric(metrics, 'switchboard_db_writer_buffered', 'websocket_log') <= 20, 'buffer within WRITER_MAX_BUFFER')
      t.ok(metric(metrics, 'switchboard_db_writer_buffered', 'websocket_connection') <= 20)
    })

    t.test('when the database is back, new connections are recorded again', async (t) => {
      await outage.start()
      // the writers first empty what they kept during the outage
      await eventually(
        async () => (await app.inject({ method: 'GET', url: '/metrics' })).body,
        (text) => metric(text, 'switchboard_db_writer_buffered', 'websocket_connection') === 0 && metric(text, 'switchboard_db_writer_buffered', 'websocket_log') === 0,
      )
      const late = await TestClient.connect(url, token({ sub: 'late', tenant: 't1', roles: ['user'] }))
      t.teardown(() => late.close())
      const listed = await eventually(
        async () => app.inject({ method: 'GET', url: '/api/websocket/connections?user=late', headers: { authorization: `Bearer ${admin}` } }),
        (res) => res.statusCode === 200 && res.json().total === 1,
      )
      t.equal(listed.json().total, 1)
      const next = await publish('ledger', 100)
      t.type(next.json().offset, 'number', 'history is written again')
      t.not(next.json().epoch, undefined)
    })
  })
}

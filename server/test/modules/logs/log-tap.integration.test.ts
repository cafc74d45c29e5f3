import { Writable } from 'node:stream'
import type { ServiceLogRecord } from '@switchboard/shared'
import t from 'tap'
import { eventually, persistenceApp } from '../../helpers/app.ts'
import { DRIVERS, openTestDatabase } from '../../helpers/database.ts'
import { TestClient } from '../../helpers/ws-client.ts'

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())
    const lines: string[] = []
    const logStream = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) })
    const { app, url, token } = await persistenceApp(db, { LOG_LEVEL: 'warn' }, { logStream })
    t.teardown(() => app.close())
    const admin = token({ sub: 'root', tenant: 'ops', roles: ['admin'] })
    const tenantAdmin = token({ sub: 'boss', tenant: 't1', roles: ['tenant-admin'] })
    const watcher = await TestClient.connect(url, admin)
    const t1 = await TestClient.connect(url, tenantAdmin)
    t.teardown(() => [watcher, t1].forEach((c) => c.close()))
    await watcher.request({ type: 'subscribe', channels: ['logs'], filters: { service: ['switchboard'] } })
    await t1.request({ type: 'subscribe', channels: ['logs'] })

    t.test("the server's own warnings reach admins live and are kept, without secrets", async (t) => {
      app.log.child({ room: 'realtime' }).warn({ connectionId: 'c9', url: '/ws/connect?token=eyJsecret.part.sig' }, 'upstream refused token=eyJsecret.part.sig')
      const event = await watcher.next((f) => f.type === 'log:warning')
      t.match(event, { channel: 'logs', data: { level: 'warning', service: 'switchboard', context: 'realtime', metadata: { connectionId: 'c9' } } })
      t.notMatch(JSON.stringify(event), /eyJsecret/)
      t.ok(lines.some((l) => l.includes('upstream refused')), 'the log line itself is still written')
      const kept = await eventually(
        async () => (await app.inject({ method: 'GET', url: '/api/v1/notifications/logs/recent?service=switchboard', headers: { authorization: `Bearer ${admin}` } })).json() as ServiceLogRecord[],
        (rows) => rows.length > 0,
      )
      t.equal(kept[0]!.tenant, '_system')
      t.notMatch(JSON.stringify(kept), /eyJsecret/)
    })

    t.test('info records are not tapped (LOG_STREAM_LEVEL=warning), and tenants never see server records', async (t) => {
      app.log.info('routine detail')
      app.log.error(new Error('disk on fire'))
      const err = await watcher.next((f) => f.type === 'log:error')
      t.match(err.data, { message: 'disk on fire', stack: /disk on fire/ })
      await new Promise((r) => setTimeout(r, 50))
      t.same(watcher.pending((f) => (f.data as { message?: string })?.message === 'routine detail'), [])
      t.same(t1.pending((f) => (f.data as { service?: string })?.service === 'switchboard'), [], 'system records are for global admins only')
    })
  })
}

import type { LogPage, LogStatsResponse, ServiceLogRecord } from '@switchboard/shared'
import t from 'tap'
import type { LogDraft } from '../../../src/modules/logs/log-record.ts'
import { WebsocketLogRepository } from '../../../src/modules/logs/websocket-log.repository.ts'
import { eventually, persistenceApp } from '../../helpers/app.ts'
import { DRIVERS, openTestDatabase } from '../../helpers/database.ts'
import { TestClient } from '../../helpers/ws-client.ts'

const draft = (i: number, overrides: Partial<LogDraft> = {}): LogDraft => ({
  connectionId: `c${i % 3}`,
  tenant: i % 2 === 0 ? 't1' : 't2',
  eventType: i % 5 === 0 ? 'error' : 'message',
  level: i % 5 === 0 ? 'warning' : 'debug',
  message: `entry ${i}, "quoted"`,
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  ...overrides,
})

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())
    const { app, url, token } = await persistenceApp(db, { LOG_STREAM_MAX_PER_SECOND: '1000' })
    t.teardown(() => app.close())
    const admin = token({ sub: 'root', tenant: 'ops', roles: ['admin'] })
    const adminT1 = token({ sub: 'boss', tenant: 't1', roles: ['tenant-admin'] })
    const serviceT1 = token({ sub: 'svc', tenant: 't1', roles: ['service'] })
    const userT1 = token({ sub: 'u1', tenant: 't1', roles: ['user'] })
    const get = async (path: string, bearer?: string) => {
      const res = await app.inject({ method: 'GET', url: path, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} })
      return { status: res.statusCode, headers: res.headers, text: res.body, body: res.headers['content-type']?.startsWith('application/json') ? res.json() : undefined }
    }

    t.test('GET /api/websocket/logs', async (t) => {
      await db.truncate()
      await new WebsocketLogRepository(db.orm).insertMany(Array.from({ length: 20 }, (_, i) => draft(i)))

      t.test('operators only', async (t) => {
        t.equal((await get('/api/websocket/logs')).status, 401)
        t.equal((await get('/api/websocket/logs', userT1)).status, 403)
      })

      t.test('pages through everything newest first', async (t) => {
        const seen: string[] = []
        let cursor: number | null | undefined
        do {
          const page = (await get(`/api/websocket/logs?limit=7${cursor ? `&before=${cursor}` : ''}`, admin)).body as LogPage
          seen.push(...page.items.map((r) => r.message!))
          cursor = page.nextCursor
        } while (cursor)
        t.equal(seen.length, 20)
        t.equal(seen[0], 'entry 19, "quoted"')
        t.equal(seen[19], 'entry 0, "quoted"')
      })

      t.test('filters combine; a tenant admin is held to its tenant', async (t) => {
        const page = (await get('/api/websocket/logs?eventType=error&level=warning&tenant=t1', admin)).body as LogPage
        t.same(page.items.map((r) => r.message), ['entry 10, "quoted"', 'entry 0, "quoted"'])
        const own = (await get('/api/websocket/logs?limit=100', adminT1)).body as LogPage
        t.equal(own.items.length, 10)
        t.ok(own.items.every((r) => r.tenant === 't1'))
        t.equal((await get('/api/websocket/logs?tenant=t2', adminT1)).status, 403)
        const ranged = (await get(`/api/websocket/logs?from=${encodeURIComponent('2026-01-01T00:00:05Z')}&to=${encodeURIComponent('2026-01-01T00:00:07Z')}`, admin)).body as LogPage
        t.same(ranged.items.map((r) => r.message), ['entry 7, "quoted"', 'entry 6, "quoted"', 'entry 5, "quoted"'])
        t.same(((await get('/api/websocket/logs?q=ENTRY%201,', admin)).body as LogPage).items.map((r) => r.message), ['entry 1, "quoted"'])
        t.same(((await get('/api/websocket/logs?connectionId=c1&tenant=t1', admin)).body as LogPage).items.length, 3)
        t.equal((await get('/api/websocket/logs?level=loud', admin)).status, 400)
        t.equal((await get('/api/websocket/logs?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', admin)).status, 400)
      })

      t.test('format=csv is a download of the whole filtered set', async (t) => {
        const res = await get('/api/websocket/logs?format=csv&tenant=t2', admin)
        t.equal(res.status, 200)
        t.match(res.headers['content-type'], /^text\/csv/)
        t.match(res.headers['content-disposition'], /^attachment; filename="websocket-logs-.*\.csv"$/)
        const lines = res.text.trimEnd().split('\r\n')
        t.equal(lines[0], 'id,createdAt,level,eventType,tenant,connectionId,message,errorDetails,actor,ip,userAgent,responseTime,dataSize,metadata')
        t.equal(lines.length, 11, 'header + the 10 rows of t2 (no page limit)')
        t.match(lines[1], /,"entry 19, ""quoted""",/)
      })

      t.test('format=json is one array of the same records as the pages', async (t) => {
        const res = await get('/api/websocket/logs?format=json&tenant=t1', admin)
        t.match(res.headers['content-type'], /^application\/json/)
        const all = JSON.parse(res.text)
        const page = (await get('/api/websocket/logs?tenant=t1&limit=100', admin)).body as LogPage
        t.same(all, page.items)
      })

      t.test('a large export is streamed in chunks, not sent with a precomputed length', async (t) => {
        await new WebsocketLogRepository(db.orm).insertMany(Array.from({ length: 3000 }, (_, i) => draft(100 + i, { tenant: 't3' })))
        const res = await fetch(`${url}/api/websocket/logs?format=csv&tenant=t3`, { headers: { authorization: `Bearer ${admin}` } })
        t.equal(res.status, 200)
        t.equal(res.headers.get('transfer-encoding'), 'chunked')
        t.equal(res.headers.get('content-length'), null)
        const text = await res.text()
        t.equal(text.trimEnd().split('\r\n').length, 3001)
      })
    })

    t.test('reference 004 logs: ingest, live stream with filters, recent, stats', async (t) => {
      await db.truncate()
      const watcher = await TestClient.connect(url, admin)
      const t1Admin = await TestClient.connect(url, adminT1)
      t.teardown(() => {
        watcher.close()
        t1Admin.close()
      })
      const sub = await watcher.request({ type: 'subscribe', channels: ['logs'], filters: { level: ['error'], service: ['billing', 'api'] } })
      t.same(sub.channels, ['logs'])
      t.same((await t1Admin.request({ type: 'subscribe', channels: ['logs'] })).channels, ['logs'])

      const ingest = async (bearer: string, body: Record<string, unknown>) =>
        app.inject({ method: 'POST', url: '/api/v1/notifications/logs', headers: { authorization: `Bearer ${bearer}` }, payload: body })

      t.equal((await ingest(userT1, { entries: [{ level: 'info', service: 'x', message: 'm' }] })).statusCode, 403)
      t.equal((await ingest(serviceT1, { entries: [] })).statusCode, 400)
      const accepted = await ingest(serviceT1, {
        entries: [
          { level: 'info', service: 'api', context: 'EventBus', message: 'started' },
          { level: 'error', service: 'api', message: 'db timeout', stack: 'Error: db timeout', metadata: { attempt: 3 } },
          { level: 'error', service: 'mailer', message: 'smtp down' },
        ],
      })
      t.equal(accepted.statusCode, 202)
      t.same(accepted.json(), { accepted: 3, dropped: 0 })
      t.equal((await ingest(serviceT1, { tenant: 't2', entries: [{ level: 'info', service: 'x', message: 'm' }] })).statusCode, 403, 'a service stays in its tenant')
      const other = await ingest(admin, { tenant: 't2', entries: [{ level: 'error', service: 'billing', message: 't2 failure' }] })
      t.equal(other.statusCode, 202)
      const reserved = await ingest(admin, { tenant: '*', entries: [{ level: 'error', service: 'billing', message: 'to every tenant' }] })
      t.match({ status: reserved.statusCode, body: reserved.json() }, { status: 400, body: { code: 'INVALID_FRAME' } }, 'not even an admin names the all-tenants marker')

      const live = [await watcher.next((f) => f.type === 'log:error'), await watcher.next((f) => f.type === 'log:error')]
      t.same(live.map((f) => (f.data as { message: string }).message).sort(), ['db timeout', 't2 failure'], 'admin: every tenant, filtered to errors of api/billing')
      t.match(live.find((f) => (f.data as { message: string }).message === 'db timeout'), { channel: 'logs', data: { level: 'error', service: 'api', stack: 'Error: db timeout', metadata: { attempt: 3 } } })
      // connection events (service "gateway") stream on the same channel; these are the ingested ones
      const ingested = (f: { type: string; data?: unknown }) => f.type.startsWith('log:') && (f.data as { service: string }).service !== 'gateway'
      const forT1 = [await t1Admin.next(ingested), await t1Admin.next(ingested), await t1Admin.next(ingested)]
      t.same(forT1.map((f) => f.type), ['log:entry', 'log:error', 'log:error'], 'tenant admin: its own tenant, every level')
      await new Promise((r) => setTimeout(r, 50))
      t.notOk(t1Admin.pending((f) => (f.data as { message?: string })?.message === 't2 failure').length, 'never another tenant')
      t.notOk(watcher.pending((f) => f.type === 'log:entry').length, 'filters applied')

      const recent = await eventually(
        async () => (await get('/api/v1/notifications/logs/recent?level=error&limit=10', adminT1)).body as ServiceLogRecord[],
        (r) => r.length === 2,
      )
      t.same(recent.map((r) => r.message), ['smtp down', 'db timeout'])
      t.same(((await get('/api/v1/notifications/logs/recent?service=api', admin)).body as ServiceLogRecord[]).map((r) => r.message), ['db timeout', 'started'])
      t.equal((await get('/api/v1/notifications/logs/recent', userT1)).status, 403)
      const stats = (await get('/api/v1/notifications/logs/stats', adminT1)).body as LogStatsResponse
      t.same({ total: stats.total, byLevel: stats.byLevel, byService: stats.byService }, { total: 3, byLevel: { error: 2, warning: 0, info: 1, debug: 0 }, byService: { api: 2, mailer: 1 } })
      t.same(stats.recentErrors.map((r) => r.message), ['smtp down', 'db timeout'])
      t.equal(((await get('/api/v1/notifications/logs/stats', admin)).body as LogStatsResponse).total, 4, 'admin: all tenants')
    })
  })
}

import t from 'tap'
import type { LogDraft } from '../../../src/modules/logs/log-record.ts'
import { ServiceLogRepository } from '../../../src/modules/logs/service-log.repository.ts'
import { WebsocketLogRepository } from '../../../src/modules/logs/websocket-log.repository.ts'
import { DRIVERS, openTestDatabase } from '../../helpers/database.ts'

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString()

function draft(overrides: Partial<LogDraft> = {}): LogDraft {
  return { connectionId: 'c1', tenant: 't1', eventType: 'connect', level: 'info', message: 'connection opened', createdAt: at(0), ...overrides }
}

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())
    const logs = new WebsocketLogRepository(db.orm)
    const serviceLogs = new ServiceLogRepository(db.orm)

    t.test('websocket_log', async (t) => {
      await db.truncate()
      await logs.insertMany([
        draft({ createdAt: at(50), message: 'connection opened', metadata: { origin: 'https://a.example' } }),
        draft({ createdAt: at(40), eventType: 'disconnect', level: 'warning', message: 'closed 4102 (heartbeat timeout)' }),
        draft({ createdAt: at(30), connectionId: 'c2', tenant: 't2', eventType: 'error', level: 'warning', message: 'frame rejected: RATE_LIMITED' }),
        draft({ createdAt: at(20), connectionId: 'c3', eventType: 'action', message: 'stop: 100% done_ok', actor: 'admin1', ip: '10.0.0.1', userAgent: 'curl' }),
        draft({ createdAt: at(10), connectionId: 'c3', eventType: 'disconnect', level: 'error', message: 'closed 1011' }),
      ])

      t.test('pages newest first with a cursor to the older ones', async (t) => {
        const first = await logs.page({}, 2)
        t.same(first.items.map((r) => r.message), ['closed 1011', 'stop: 100% done_ok'])
        t.ok(first.nextCursor)
        const second = await logs.page({}, 2, first.nextCursor!)
        t.same(second.items.map((r) => r.message), ['frame rejected: RATE_LIMITED', 'closed 4102 (heartbeat timeout)'])
        const third = await logs.page({}, 2, second.nextCursor!)
        t.same(third.items.map((r) => r.message), ['connection opened'])
        t.equal(third.nextCursor, null, 'last page')
        t.same(third.items[0]!.metadata, { origin: 'https://a.example' })
      })

      t.test('filters by event type, connection, tenant, level, time range and text', async (t) => {
        const ids = async (f: Parameters<typeof logs.page>[0]) => (await logs.page(f, 50)).items.map((r) => r.message)
        t.same(await ids({ eventType: 'disconnect' }), ['closed 1011', 'closed 4102 (heartbeat timeout)'])
        t.same(await ids({ connectionId: 'c3' }), ['closed 1011', 'stop: 100% done_ok'])
        t.same(await ids({ tenant: 't2' }), ['frame rejected: RATE_LIMITED'])
        t.same(await ids({ level: 'warning' }), ['frame rejected: RATE_LIMITED', 'closed 4102 (heartbeat timeout)'])
        t.same(await ids({ from: new Date(at(35)), to: new Date(at(15)) }), ['stop: 100% done_ok', 'frame rejected: RATE_LIMITED'])
        t.same(await ids({ text: 'HEARTBEAT' }), ['closed 4102 (heartbeat timeout)'], 'case-insensitive')
        t.same(await ids({ text: '100%' }), ['stop: 100% done_ok'], '% is literal')
        t.same(await ids({ text: 'done_' }), ['stop: 100% done_ok'], '_ is literal')
        t.same(await ids({ text: '0%_d' }), [], 'wildcards do not match across')
        t.same(await ids({ tenant: 't1', eventType: 'action' }), ['stop: 100% done_ok'])
      })

      t.test('audit columns say who acted', async (t) => {
        const [row] = (await logs.page({ eventType: 'action' }, 1)).items
        t.equal(row!.actor, 'admin1')
        t.equal(row!.ip, '10.0.0.1')
        t.equal(row!.userAgent, 'curl')
      })

      t.test('stream yields every match in order across chunks', async (t) => {
        const seen: string[] = []
        for await (const row of logs.stream({ tenant: 't1' }, 2)) seen.push(row.message!)
        t.same(seen, ['closed 1011', 'stop: 100% done_ok', 'closed 4102 (heartbeat timeout)', 'connection opened'])
      })

      t.test('retention deletes entries older than the cutoff', async (t) => {
        t.equal(await logs.deleteBefore(new Date(at(25))), 3)
        t.equal((await logs.page({}, 50)).items.length, 2)
      })
    })

    t.test('service_log: recent and stats (reference 004)', async (t) => {
      await db.truncate()
      const now = new Date().toISOString()
      await serviceLogs.insertMany([
        { tenant: 't1', timestamp: now, level: 'info', service: 'api', context: 'EventBus', message: 'started' },
        { tenant: 't1', timestamp: now, level: 'error', service: 'api', message: 'boom', stack: 'Error: boom\n at x', metadata: { code: 'E1' } },
        { tenant: 't1', timestamp: now, level: 'warning', service: 'auth', message: 'slow' },
        { tenant: 't2', timestamp: now, level: 'error', service: 'billing', message: 'other tenant' },
      ])
      const recent = await serviceLogs.recent({ tenant: 't1' }, 10)
      t.same(recent.map((r) => r.message), ['slow', 'boom', 'started'])
      t.same(recent[1], { id: recent[1]!.id, tenant: 't1', timestamp: recent[1]!.timestamp, level: 'error', service: 'api', message: 'boom', metadata: { code: 'E1' }, stack: 'Error: boom\n at x' })
      t.same((await serviceLogs.recent({ tenant: 't1', level: 'error' }, 10)).map((r) => r.message), ['boom'])
      t.same((await serviceLogs.recent({ service: 'auth' }, 10)).map((r) => r.message), ['slow'])
      t.same((await serviceLogs.recent({ context: 'EventBus' }, 10)).map((r) => r.message), ['started'])
      t.equal((await serviceLogs.recent({}, 2)).length, 2, 'limit')

      const stats = await serviceLogs.stats('t1', new Date(Date.now() - 3600_000))
      t.equal(stats.total, 3)
      t.same(stats.byLevel, { error: 1, warning: 1, info: 1, debug: 0 })
      t.same(stats.byService, { api: 2, auth: 1 })
      t.same(stats.recentErrors.map((r) => r.message), ['boom'])
      const all = await serviceLogs.stats(undefined, new Date(Date.now() - 3600_000))
      t.equal(all.total, 4)
      t.equal(all.recentErrors.length, 2)
      const none = await serviceLogs.stats('t1', new Date(Date.now() + 3600_000))
      t.equal(none.total, 0, 'only inside the window')
    })
  })
}

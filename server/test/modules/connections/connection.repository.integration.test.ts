import { Registry } from 'prom-client'
import t from 'tap'
import { ConnectionRegistry } from '../../../src/modules/connections/connection-registry.ts'
import { clientSnapshot, type ConnectionSnapshot } from '../../../src/modules/connections/connection-snapshot.ts'
import { ConnectionRepository } from '../../../src/modules/connections/connection.repository.ts'
import type { ConnectionInfo } from '../../../src/realtime/connection-observer.ts'
import { BatchedWriter, writerMetrics } from '../../../src/storage/batched-writer.ts'
import { DRIVERS, openTestDatabase } from '../../helpers/database.ts'

let n = 0
function info(overrides: Partial<Record<keyof ConnectionInfo, unknown>> = {}): ConnectionInfo & Record<string, unknown> {
  return {
    id: `c${++n}`,
    ip: '127.0.0.1',
    userAgent: 'tap',
    origin: undefined,
    connectedAt: Date.now() - 1000 + n,
    user: 'u1',
    tenant: 't1',
    roles: ['user'],
    authenticatedAt: Date.now(),
    lastPongAt: undefined,
    messagesIn: 0,
    messagesOut: 0,
    subscriptions: new Set<string>(),
    ...overrides,
  } as ConnectionInfo & Record<string, unknown>
}

const silent = { warn: () => {}, error: () => {} } as never

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())
    const repo = new ConnectionRepository(db.orm)

    t.test('a snapshot is inserted, then updated in place by newer snapshots', async (t) => {
      await db.truncate()
      const c = info({ subscriptions: new Set(['orders']) })
      await repo.upsertSnapshots([clientSnapshot(c, 'i1')])
      let row = await repo.get(c.id)
      t.equal(row?.status, 'connected')
      t.equal(row?.type, 'CLIENT')
      t.equal(row?.referenceId, c.id)
      t.same(row?.roles, ['user'])
      t.same(row?.subscriptions, ['orders'])
      t.equal(row?.autoReconnect, true, 'default')
      await repo.update(c.id, { autoReconnect: false })
      const closed = { ...c, messagesIn: 7, messagesOut: 9 } as ConnectionInfo
      await repo.upsertSnapshots([clientSnapshot(closed, 'i1', { code: 4004, reason: 'stopped', at: new Date() })])
      row = await repo.get(c.id)
      t.equal(row?.status, 'disconnected')
      t.equal(row?.closeCode, 4004)
      t.equal(row?.closeReason, 'stopped')
      t.equal(Number(row?.messagesIn), 7)
      t.equal(Number(row?.messagesOut), 9)
      t.equal(row?.autoReconnect, false, 'an operator flag survives snapshots')
      t.ok(row?.disconnectedAt instanceof Date)
    })

    t.test('a close with 1011 records the connection as error', async (t) => {
      await db.truncate()
      const c = info()
      await repo.upsertSnapshots([clientSnapshot(c, 'i1', { code: 1011, reason: 'boom', at: new Date() })])
      const row = await repo.get(c.id)
      t.equal(row?.status, 'error')
      t.equal(row?.errorMessage, 'boom')
    })

    t.test('list filters by status, type, tenant and user, newest first, paginated with a total', async (t) => {
      await db.truncate()
      const rows = [
        info({ tenant: 't1', user: 'a' }),
        info({ tenant: 't1', user: 'b' }),
        info({ tenant: 't2', user: 'a' }),
        info({ tenant: 't1', user: 'a' }),
      ]
      await repo.upsertSnapshots(rows.map((c, i) => clientSnapshot(c, 'i1', i === 1 ? { code: 1000, reason: '', at: new Date() } : undefined)))
      const all = await repo.list({}, { limit: 10, offset: 0 })
      t.equal(all.total, 4)
      t.same(all.items.map((r) => r.id), [rows[3]!.id, rows[2]!.id, rows[1]!.id, rows[0]!.id], 'newest first')
      t.same((await repo.list({ tenant: 't1' }, { limit: 10, offset: 0 })).items.map((r) => r.id).sort(), [rows[0]!.id, rows[1]!.id, rows[3]!.id].sort())
      t.equal((await repo.list({ tenant: 't1', user: 'a' }, { limit: 10, offset: 0 })).total, 2)
      t.equal((await repo.list({ status: 'disconnected' }, { limit: 10, offset: 0 })).total, 1)
      t.equal((await repo.list({ type: 'SHELLY' }, { limit: 10, offset: 0 })).total, 0)
      const page2 = await repo.list({}, { limit: 3, offset: 3 })
      t.equal(page2.total, 4)
      t.same(page2.items.map((r) => r.id), [rows[0]!.id])
    })

    t.test('the stale sweep closes rows a previous run left open, per instance or all', async (t) => {
      await db.truncate()
      const a = info()
      const b = info()
      await repo.upsertSnapshots([clientSnapshot(a, 'i1'), clientSnapshot(b, 'i2')])
      t.equal(await repo.sweepStale('i1'), 1)
      t.equal((await repo.get(a.id))?.status, 'disconnected')
      t.equal((await repo.get(b.id))?.status, 'connected', 'another instance is left alone')
      t.equal(await repo.sweepStale(undefined), 1)
      t.equal((await repo.get(b.id))?.status, 'disconnected')
    })

    t.test('retention deletes closed client rows older than the cutoff, never open ones', async (t) => {
      await db.truncate()
      const old = info()
      const open = info()
      const past = new Date(Date.now() - 40 * 86_400_000)
      await repo.upsertSnapshots([
        { ...clientSnapshot(old, 'i1', { code: 1000, reason: '', at: past }) },
        { ...clientSnapshot(open, 'i1'), updatedAt: past.toISOString() },
      ])
      t.equal(await repo.deleteClosedBefore(new Date(Date.now() - 30 * 86_400_000)), 1)
      t.equal(await repo.get(old.id), null)
      t.ok(await repo.get(open.id))
    })

    t.test('the registry observer records a connection life through the batched writer', async (t) => {
      await db.truncate()
      const writer = new BatchedWriter<ConnectionSnapshot>({
        name: 'test',
        write: (b) => repo.upsertSnapshots(b),
        key: (s) => s.id,
        batchSize: 100,
        flushMs: 60_000,
        maxBuffer: 100,
        metrics: writerMetrics(new Registry()),
        log: silent,
      })
      t.teardown(() => writer.close())
      const registry = new ConnectionRegistry(writer, 'i9')
      const c = info({ user: undefined, tenant: undefined, roles: [], authenticatedAt: undefined })
      registry.opened(c)
      await writer.flush()
      let row = await repo.get(c.id)
      t.equal(row?.tenant, null, 'recorded before authentication')
      const authed = { ...c, user: 'u7', tenant: 't7', roles: ['admin'], authenticatedAt: Date.now() } as ConnectionInfo
      registry.authenticated(authed)
      registry.subscribed({ ...authed, subscriptions: new Set(['logs']) } as ConnectionInfo)
      registry.closed({ ...authed, messagesIn: 3 } as ConnectionInfo, 1001, 'server shutting down')
      t.equal(writer.size, 1, 'coalesced into one pending row')
      await writer.flush()
      row = await repo.get(c.id)
      t.equal(row?.userId, 'u7')
      t.equal(row?.tenant, 't7')
      t.equal(row?.instanceId, 'i9')
      t.equal(row?.status, 'disconnected')
      t.equal(row?.closeCode, 1001)
      t.equal(Number(row?.messagesIn), 3)
    })

    t.test('a batch of thousands of snapshots is one statement (no parameter limit)', async (t) => {
      await db.truncate()
      const batch = Array.from({ length: 3000 }, () => clientSnapshot(info(), 'i1'))
      await repo.upsertSnapshots(batch)
      t.equal((await repo.list({}, { limit: 1, offset: 0 })).total, 3000)
    })
  })
}

import t from 'tap'
import { ConnectionActions, nextAutoReconnect, type Actor, type ClientControl } from '../../../src/modules/connections/connection-actions.ts'
import { clientSnapshot } from '../../../src/modules/connections/connection-snapshot.ts'
import { ConnectionRepository } from '../../../src/modules/connections/connection.repository.ts'
import { WebsocketConnection } from '../../../src/modules/connections/connection.entity.ts'
import { auditDraft } from '../../../src/modules/logs/log-record.ts'
import { WebsocketLogRepository } from '../../../src/modules/logs/websocket-log.repository.ts'
import type { Principal } from '../../../src/plugins/auth.ts'
import type { ConnectionInfo } from '../../../src/realtime/connection-observer.ts'
import { DRIVERS, openTestDatabase } from '../../helpers/database.ts'

const principal = (tenant: string, flags: Partial<Principal> = {}): Principal => ({
  user: 'op',
  tenant,
  roles: ['admin'],
  isAdmin: false,
  isTenantAdmin: true,
  isService: false,
  expiresAt: null,
  ...flags,
})
const actor: Actor = { user: 'op', tenant: 't1', roles: ['tenant-admin'], ip: '192.0.2.7', userAgent: 'console/1.0' }

function live(id: string, tenant = 't1'): ConnectionInfo {
  return {
    id,
    ip: '127.0.0.1',
    userAgent: undefined,
    origin: undefined,
    connectedAt: Date.now(),
    user: 'u1',
    tenant,
    roles: [],
    authenticatedAt: Date.now(),
    lastPongAt: undefined,
    messagesIn: 0,
    messagesOut: 0,
    subscriptions: new Set(),
  }
}

t.test('auto-reconnect follows reference 000: start on, stop off, restart on, toggle flips', async (t) => {
  t.equal(nextAutoReconnect('start', false), true)
  t.equal(nextAutoReconnect('stop', true), false)
  t.equal(nextAutoReconnect('restart', false), true)
  t.equal(nextAutoReconnect('toggle-reconnect', true), false)
  t.equal(nextAutoReconnect('toggle-reconnect', false), true)
})

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())
    const repo = new ConnectionRepository(db.orm)
    const logs = new WebsocketLogRepository(db.orm)
    const closes: Array<{ id: string; code: number; reason: string }> = []
    const held = new Map<string, ConnectionInfo>()
    const clients: ClientControl = {
      disconnect: async (id, code, reason) => void closes.push({ id, code, reason }),
      local: (id) => held.get(id),
      instanceId: 'i1',
      singleInstance: true,
    }
    const actions = new ConnectionActions({
      repo,
      clients,
      audit: (e) => logs.insertMany([auditDraft({ ...e, metadata: { type: e.type, before: e.before, after: e.after } })]),
    })
    const scopeT1 = { tenant: 't1', principal: principal('t1') }
    const adminScope = { tenant: undefined, principal: principal('ops', { isAdmin: true }) }
    const setup = async (id: string, tenant = 't1') => {
      await db.truncate()
      closes.length = 0
      held.clear()
      held.set(id, live(id, tenant))
      await repo.upsertSnapshots([clientSnapshot(held.get(id)!, 'i1')])
    }

    t.test('stop closes a client with 4004 and turns auto-reconnect off, with an audit entry', async (t) => {
      await setup('c1')
      const res = await actions.run('c1', 'stop', actor, scopeT1)
      t.same(res.data, { connectionId: 'c1', status: 'disconnected', autoReconnect: false })
      t.equal(res.success, true)
      t.same(closes, [{ id: 'c1', code: 4004, reason: 'stopped by an operator' }])
      t.equal((await repo.get('c1'))?.autoReconnect, false)
      const [audit] = (await logs.page({ eventType: 'action' }, 10)).items
      t.equal(audit?.connectionId, 'c1')
      t.equal(audit?.tenant, 't1')
      t.equal(audit?.actor, 'op')
      t.equal(audit?.ip, '192.0.2.7')
      t.equal(audit?.userAgent, 'console/1.0')
      t.match(audit?.metadata, { action: 'stop', actorTenant: 't1', before: { status: 'connected', autoReconnect: true }, after: { status: 'disconnected', autoReconnect: false } })
    })

    t.test('restart closes with 4100 and leaves auto-reconnect on', async (t) => {
      await setup('c2')
      await repo.update('c2', { autoReconnect: false })
      const res = await actions.run('c2', 'restart', actor, scopeT1)
      t.same(res.data, { connectionId: 'c2', status: 'disconnected', autoReconnect: true })
      t.same(closes.map((c) => c.code), [4100])
    })

    t.test('toggle-reconnect flips the flag and touches nothing else', async (t) => {
      await setup('c3')
      const res = await actions.run('c3', 'toggle-reconnect', actor, scopeT1)
      t.same(res.data, { connectionId: 'c3', status: 'connected', autoReconnect: false })
      t.same(closes, [])
      const back = await actions.run('c3', 'toggle-reconnect', actor, scopeT1)
      t.equal(back.data.autoReconnect, true)
      t.equal((await logs.page({ eventType: 'action' }, 10)).items.length, 2, 'each action audited')
    })

    t.test('start on a client turns auto-reconnect on without closing anything', async (t) => {
      await setup('c4')
      await repo.update('c4', { autoReconnect: false })
      const res = await actions.run('c4', 'start', actor, scopeT1)
      t.same(res.data, { connectionId: 'c4', status: 'connected', autoReconnect: true })
      t.same(closes, [])
    })

    t.test('another tenant\'s connection is not found for a tenant admin, found for admin', async (t) => {
      await setup('c5', 't2')
      await t.rejects(actions.run('c5', 'stop', actor, scopeT1), { statusCode: 404, code: 'NOT_FOUND' })
      t.same(closes, [], 'nothing happened')
      t.equal((await logs.page({}, 10)).items.length, 0, 'and nothing was audited')
      const res = await actions.run('c5', 'stop', actor, adminScope)
      t.equal(res.data.status, 'disconnected')
    })

    t.test('an unknown id is 404', async (t) => {
      await setup('c6')
      await t.rejects(actions.run('nope', 'stop', actor, adminScope), { statusCode: 404, code: 'NOT_FOUND' })
    })

    t.test('a row left open that no instance holds is recorded closed instead of messaged', async (t) => {
      await setup('c7')
      held.clear()
      const res = await actions.run('c7', 'stop', actor, scopeT1)
      t.equal(res.data.status, 'disconnected')
      t.same(closes, [], 'no disconnect message for a socket nobody holds')
      t.equal((await repo.get('c7'))?.status, 'disconnected')
    })

    t.test('an upstream connection without a connector gets the flag only; with one, the connector acts', async (t) => {
      await db.truncate()
      const em = db.orm.em.fork()
      em.create(WebsocketConnection, { id: 'up1', type: 'SHELLY', referenceId: 'cred-1', status: 'connected', tenant: 't1', autoReconnect: true, messagesIn: 0, messagesOut: 0 })
      await em.flush()
      const plain = await actions.run('up1', 'stop', actor, scopeT1)
      t.same(plain.data, { connectionId: 'up1', status: 'connected', autoReconnect: false })
      t.match(plain.message, /No SHELLY connector/)
      const calls: string[] = []
      actions.registerUpstream('SHELLY', { apply: async (action) => (calls.push(action), action === 'stop' ? 'disconnected' : 'connected') })
      const res = await actions.run('up1', 'stop', actor, scopeT1)
      t.same(calls, ['stop'])
      t.same(res.data, { connectionId: 'up1', status: 'disconnected', autoReconnect: false })
      t.equal((await repo.get('up1'))?.status, 'disconnected', 'status recorded')
    })
  })
}

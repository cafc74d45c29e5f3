import t from 'tap'
import { persistenceApp } from '../../helpers/app.ts'
import { DRIVERS, openTestDatabase } from '../../helpers/database.ts'
import { TestClient } from '../../helpers/ws-client.ts'

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())
    const { app, url, token } = await persistenceApp(db, { MAX_NOTIFICATIONS_PER_USER: '3' })
    t.teardown(() => app.close())
    const alice = token({ sub: 'alice', tenant: 't1', roles: ['user'] })
    const aliceT2 = token({ sub: 'alice', tenant: 't2', roles: ['user'] })
    const bob = token({ sub: 'bob', tenant: 't1', roles: ['user'] })
    const service = token({ sub: 'svc', tenant: 't1', roles: ['service'] })
    const admin = token({ sub: 'root', tenant: 'ops', roles: ['admin'] })

    const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, bearer?: string, payload?: Record<string, unknown>) => {
      const res = await app.inject({ method, url: path, headers: bearer ? { authorization: `Bearer ${bearer}` } : {}, ...(payload ? { payload } : {}) })
      return { status: res.statusCode, body: res.json() }
    }
    const create = (bearer: string, body: Record<string, unknown>) =>
      call('POST', '/api/v1/notifications', bearer, { type: 'info', category: 'reservation', title: 'Booked', message: 'Room 4 at 10:00', ...body })

    const tab1 = await TestClient.connect(url, alice)
    const tab2 = await TestClient.connect(url, alice)
    const bobTab = await TestClient.connect(url, bob)
    const otherTenantAlice = await TestClient.connect(url, aliceT2)
    t.teardown(() => [tab1, tab2, bobTab, otherTenantAlice].forEach((c) => c.close()))

    t.test('creation is for services and operators, within their tenant', async (t) => {
      t.equal((await create(alice, { userId: 'bob' })).status, 403, 'a user cannot notify others')
      t.equal((await create(service, { userId: 'bob', tenant: 't2' })).status, 403, 'a service stays in its tenant')
      t.equal((await create(service, { userId: 'bob', type: 'loud' })).status, 400)
      t.match(await create(service, { userId: 'bob', title: 'a\u0000b' }), { status: 400, body: { code: 'INVALID_FRAME' } }, 'a NUL the database cannot store: 400, not 503')
      t.equal((await call('GET', '/api/v1/notifications')).status, 401)
    })

    let first = ''
    t.test('a created notification is pushed to every connection of its user, and only there', async (t) => {
      const res = await create(service, { userId: 'alice', data: { roomId: 4 }, actionUrl: '/reservations/9' })
      t.equal(res.status, 201)
      first = res.body.id
      t.match(res.body, { userId: 'alice', tenant: 't1', type: 'info', category: 'reservation', title: 'Booked', data: { roomId: 4 }, actionUrl: '/reservations/9', readAt: null })
      for (const tab of [tab1, tab2]) {
        const push = await tab.next((f) => f.type === 'notification:created')
        t.same(push.data, res.body)
        t.equal(typeof push.id, 'string')
      }
      await new Promise((r) => setTimeout(r, 50))
      t.same(bobTab.pending((f) => f.type === 'notification:created'), [], 'not to another user')
      t.same(otherTenantAlice.pending((f) => f.type === 'notification:created'), [], 'not to the same user id in another tenant')
    })

    t.test('REST fallback at reference 004 paths', async (t) => {
      const list = await call('GET', '/api/v1/notifications', alice)
      t.equal(list.status, 200)
      t.same(list.body.notifications.map((n: { id: string }) => n.id), [first])
      t.equal(list.body.unreadCount, 1)
      t.same((await call('GET', '/api/v1/notifications/unread/count', alice)).body, { count: 1 })
      t.same((await call('GET', '/api/v1/notifications', bob)).body.notifications, [], "bob sees none of alice's")
      t.equal((await call('POST', `/api/v1/notifications/${first}/read`, bob)).status, 404, "bob cannot read alice's")
      const read = await call('POST', `/api/v1/notifications/${first}/read`, alice)
      t.equal(read.status, 200)
      t.match(read.body, { success: true, notificationId: first })
      t.same((await tab1.next((f) => f.type === 'notification:read')).data, { notificationId: first })
      t.same((await call('GET', '/api/v1/notifications?unreadOnly=true', alice)).body.notifications, [])
      await create(admin, { userId: 'alice', tenant: 't1', title: 'Second' })
      await create(service, { userId: 'alice', title: 'Third' })
      t.same((await call('POST', '/api/v1/notifications/read-all', alice)).body, { success: true, updated: 2 })
      t.same((await call('GET', '/api/v1/notifications/unread/count', alice)).body, { count: 0 })
      t.equal((await call('DELETE', '/api/v1/notifications/notif-123', alice)).status, 404)
      const del = await call('DELETE', `/api/v1/notifications/${first}`, alice)
      t.same(del.body, { success: true, notificationId: first })
      t.same((await tab2.next((f) => f.type === 'notification:deleted' && (f.data as { notificationId: string }).notificationId === first)).data, { notificationId: first })
      t.equal((await call('DELETE', `/api/v1/notifications/${first}`, alice)).status, 404, 'already gone')
    })

    t.test(`no more than MAX_NOTIFICATIONS_PER_USER are kept`, async (t) => {
      for (let i = 0; i < 5; i++) t.equal((await create(service, { userId: 'bob', title: `b${i}` })).status, 201)
      const list = await call('GET', '/api/v1/notifications?limit=100', bob)
      t.same(list.body.notifications.map((n: { title: string }) => n.title), ['b4', 'b3', 'b2'])
      const deleted = []
      for (let i = 0; i < 2; i++) deleted.push(await bobTab.next((f) => f.type === 'notification:deleted'))
      t.equal(deleted.length, 2, 'the trimmed ones are announced as deleted')
    })

    t.test('the same operations over the socket, answered by reply frames echoing the request id', async (t) => {
      const created = (await create(service, { userId: 'alice', title: 'Socket' })).body
      const got = await tab1.request({ type: 'notifications:get', unreadOnly: true })
      t.equal(got.type, 'notifications')
      t.same((got.notifications as Array<{ id: string }>).map((n) => n.id), [created.id])
      t.equal(got.unreadCount, 1)
      const read = await tab1.request({ type: 'notifications:read', notificationId: created.id })
      t.match(read, { type: 'notifications:ack', op: 'read', notificationId: created.id, updated: 1, unreadCount: 0 })
      t.same((await tab2.next((f) => f.type === 'notification:read' && (f.data as { notificationId: string }).notificationId === created.id)).data, { notificationId: created.id }, 'the other tab hears of it')
      const again = await tab1.request({ type: 'notifications:read', notificationId: created.id })
      t.equal(again.updated, 0, 'reading twice changes nothing')
      await create(service, { userId: 'alice', title: 'More' })
      t.match(await tab1.request({ type: 'notifications:read-all' }), { type: 'notifications:ack', op: 'read-all', updated: 1, unreadCount: 0 })
      t.match(await tab1.request({ type: 'notifications:delete', notificationId: created.id }), { type: 'notifications:ack', op: 'delete', updated: 1 })
      const missing = await tab1.request({ type: 'notifications:delete', notificationId: created.id })
      t.match(missing, { type: 'error', code: 'NOT_FOUND', temporary: false })
      const bad = await tab1.request({ type: 'notifications:read' })
      t.match(bad, { type: 'error', code: 'INVALID_FRAME' })
      const foreign = await bobTab.request({ type: 'notifications:read', notificationId: (await create(service, { userId: 'alice', title: 'x' })).body.id })
      t.match(foreign, { type: 'error', code: 'NOT_FOUND' }, "bob cannot touch alice's over the socket either")
    })
  })
}

import t from 'tap'
import { NotificationRepository } from '../../../src/modules/notifications/notification.repository.ts'
import { NotificationService, type Publish } from '../../../src/modules/notifications/notification.service.ts'
import { DRIVERS, openTestDatabase } from '../../helpers/database.ts'

const alice = { tenant: 't1', userId: 'alice' }
const draft = (title: string, owner = alice) => ({ ...owner, type: 'info' as const, category: 'system' as const, title, message: `${title} body` })

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())
    const pushes: Array<Parameters<Publish>[0]> = []
    let failPush = false
    const warnings: unknown[] = []
    const service = new NotificationService({
      repo: new NotificationRepository(db.orm),
      publish: async (input) => {
        if (failPush) throw new Error('bus down')
        pushes.push(input)
      },
      cap: 3,
      log: { warn: (obj: unknown) => void warnings.push(obj) } as never,
    })
    const reset = async () => {
      await db.truncate()
      pushes.length = 0
    }

    t.test('create stores it and pushes notification:created to the owner only', async (t) => {
      await reset()
      const n = await service.create({ ...draft('Hello'), data: { orderId: 7 }, actionUrl: '/orders/7' })
      t.match(n, { userId: 'alice', tenant: 't1', type: 'info', category: 'system', title: 'Hello', data: { orderId: 7 }, actionUrl: '/orders/7', readAt: null })
      t.match(n.id, /^[0-9a-f-]{36}$/)
      t.same(pushes, [{ type: 'notification:created', data: n, target: { kind: 'user', tenant: 't1', user: 'alice' } }])
    })

    t.test(`at most the cap is kept per user: the oldest go, with a notification:deleted each`, async (t) => {
      await reset()
      const created = []
      for (let i = 1; i <= 5; i++) created.push(await service.create(draft(`n${i}`)))
      await service.create(draft('bob1', { tenant: 't1', userId: 'bob' }))
      const { notifications } = await service.list(alice, { unreadOnly: false, limit: 100 })
      t.same(notifications.map((n) => n.title), ['n5', 'n4', 'n3'], 'newest three kept')
      const deleted = pushes.filter((p) => p.type === 'notification:deleted').map((p) => (p.data as { notificationId: string }).notificationId)
      t.same(deleted.sort(), [created[0]!.id, created[1]!.id].sort())
      t.equal((await service.list({ tenant: 't1', userId: 'bob' }, { unreadOnly: false, limit: 100 })).notifications.length, 1, 'another user untouched')
    })

    t.test('users are scoped by tenant: the same user id in another tenant sees nothing', async (t) => {
      await reset()
      const n = await service.create(draft('secret'))
      const other = { tenant: 't2', userId: 'alice' }
      t.same((await service.list(other, { unreadOnly: false, limit: 10 })).notifications, [])
      t.equal(await service.markRead(other, n.id), null)
      t.equal(await service.delete(other, n.id), false)
      t.equal(await service.unreadCount(alice), 1, 'still unread for its owner')
    })

    t.test('read, unread count, unreadOnly, read-all and delete, each pushed', async (t) => {
      await reset()
      const a = await service.create(draft('a'))
      const b = await service.create(draft('b'))
      const c = await service.create(draft('c'))
      pushes.length = 0
      t.equal(await service.unreadCount(alice), 3)
      const first = await service.markRead(alice, a.id)
      t.equal(first?.changed, true)
      const again = await service.markRead(alice, a.id)
      t.equal(again?.changed, false, 'reading twice changes nothing')
      t.equal(again?.readAt.toISOString(), first?.readAt.toISOString(), 'and keeps the first time')
      t.same(pushes, [{ type: 'notification:read', data: { notificationId: a.id }, target: { kind: 'user', tenant: 't1', user: 'alice' } }])
      const unread = await service.list(alice, { unreadOnly: true, limit: 10 })
      t.same(unread.notifications.map((n) => n.title), ['c', 'b'])
      t.equal(unread.unreadCount, 2)
      t.equal(await service.markAllRead(alice), 2)
      t.equal(await service.unreadCount(alice), 0)
      t.same(pushes.slice(1).map((p) => (p.data as { notificationId: string }).notificationId).sort(), [b.id, c.id].sort())
      t.equal(await service.delete(alice, c.id), true)
      t.equal(await service.delete(alice, c.id), false, 'gone')
      t.same(pushes.at(-1), { type: 'notification:deleted', data: { notificationId: c.id }, target: { kind: 'user', tenant: 't1', user: 'alice' } })
    })

    t.test('ids that are not UUIDs are simply not found', async (t) => {
      await reset()
      t.equal(await service.markRead(alice, 'notif-123'), null)
      t.equal(await service.delete(alice, "x' or 1=1 --"), false)
    })

    t.test('a failed push is logged and the stored change stands', async (t) => {
      await reset()
      failPush = true
      try {
        const n = await service.create(draft('kept'))
        t.ok(n.id)
        t.equal(await service.unreadCount(alice), 1)
        t.ok(warnings.length > 0)
      } finally {
        failPush = false
      }
    })
  })
}

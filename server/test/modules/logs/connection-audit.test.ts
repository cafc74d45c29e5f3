import t from 'tap'
import { ConnectionAudit, closeLevel } from '../../../src/modules/logs/connection-audit.ts'
import type { LogDraft } from '../../../src/modules/logs/log-record.ts'
import type { ConnectionInfo } from '../../../src/realtime/connection-observer.ts'

const conn = {
  id: 'c1',
  ip: '10.1.2.3',
  userAgent: 'ua',
  origin: 'https://app.example',
  connectedAt: Date.now() - 5000,
  user: 'u1',
  tenant: 't1',
  roles: ['admin'],
  authenticatedAt: Date.now(),
  lastPongAt: undefined,
  messagesIn: 4,
  messagesOut: 6,
  subscriptions: new Set(['orders']),
} satisfies ConnectionInfo

t.test('close codes map to levels: routine, policy, server failure', async (t) => {
  t.equal(closeLevel(1000), 'info')
  t.equal(closeLevel(1001), 'info')
  t.equal(closeLevel(4100), 'info')
  t.equal(closeLevel(1006), 'warning')
  t.equal(closeLevel(4102), 'warning')
  t.equal(closeLevel(1008), 'warning')
  t.equal(closeLevel(1011), 'error')
})

t.test('a connection life becomes log entries with the right types and levels', async (t) => {
  const drafts: LogDraft[] = []
  const audit = new ConnectionAudit((d) => drafts.push(d))
  audit.opened(conn)
  audit.authenticated(conn)
  audit.subscribed(conn, ['orders'])
  audit.rejected(conn, 'RATE_LIMITED', 'c1:1')
  audit.unsubscribed(conn, ['orders'])
  audit.closed(conn, 4102, 'heartbeat timeout')
  t.same(
    drafts.map((d) => [d.eventType, d.level]),
    [
      ['connect', 'debug'],
      ['connect', 'info'],
      ['message', 'debug'],
      ['error', 'warning'],
      ['message', 'debug'],
      ['disconnect', 'warning'],
    ],
  )
  t.ok(drafts.every((d) => d.connectionId === 'c1' && d.tenant === 't1'))
  t.equal(drafts[0]!.ip, '10.1.2.3', 'the client address is on the open entry')
  t.equal(drafts[0]!.userAgent, 'ua')
  t.match(drafts[5]!.metadata, { code: 4102, reason: 'heartbeat timeout', messagesIn: 4, messagesOut: 6 })
  t.equal(drafts[5]!.message, 'closed 4102 (heartbeat timeout)')
  t.match(drafts[3]!.metadata, { code: 'RATE_LIMITED', ref: 'c1:1' })
})

t.test('a client hammering rejections writes a bounded number of entries; the close entry counts them all', async (t) => {
  const drafts: LogDraft[] = []
  const audit = new ConnectionAudit((d) => drafts.push(d), { maxRejectedPerConnection: 3 })
  for (let i = 0; i < 100; i++) audit.rejected(conn, 'RATE_LIMITED', `c1:${i}`)
  t.equal(drafts.length, 3)
  t.match(drafts[2]!.message, /further rejections are counted/)
  audit.closed(conn, 1008, 'too many invalid frames')
  t.match(drafts[3]!.metadata, { rejectedFrames: 100 })
  audit.rejected(conn, 'RATE_LIMITED', 'c1:new')
  t.equal(drafts.length, 5, 'the count is per connection life (forgotten at close)')
})

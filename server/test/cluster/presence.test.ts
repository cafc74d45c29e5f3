import t from 'tap'
import type { ClusterMessage } from '../../src/bus/cluster-message.ts'
import { MemoryBus } from '../../src/bus/memory-bus.ts'
import { channelMatcher } from '../../src/cluster/channel-patterns.ts'
import { MemoryPresence } from '../../src/cluster/memory-presence.ts'
import { PresenceTracker } from '../../src/cluster/presence-tracker.ts'
import type { ConnectionInfo } from '../../src/realtime/connection-observer.ts'

const quiet = { info() {}, warn() {}, debug() {} }
const conn = (id: string, user: string, subscriptions: string[] = []): ConnectionInfo =>
  ({ id, user, tenant: 'acme', roles: [], subscriptions: new Set(subscriptions) }) as unknown as ConnectionInfo
const settle = () => new Promise((r) => setImmediate(r))

t.test('PRESENCE_CHANNELS patterns: exact names and * wildcards; nonsense refused', async (t) => {
  const enabled = channelMatcher('chat:*, lobby')
  t.ok(enabled('chat:1'))
  t.ok(enabled('chat:'))
  t.ok(enabled('lobby'))
  t.notOk(enabled('lobby2'))
  t.notOk(enabled('xchat:1'))
  t.notOk(channelMatcher('')('anything'))
  t.throws(() => channelMatcher('Chat$'))
})

t.test('memory presence counts connections per user and says when a user arrives or leaves', async (t) => {
  const p = new MemoryPresence()
  t.equal(await p.join('acme', 'c', 'u'), true, 'first connection')
  t.equal(await p.join('acme', 'c', 'u'), false)
  t.equal(await p.join('acme', 'c', 'v'), true)
  t.equal(await p.join('beta', 'c', 'u'), true, 'tenants apart')
  t.same(await p.channel('acme', 'c'), { connections: 3, users: [{ user: 'u', connections: 2 }, { user: 'v', connections: 1 }] })
  t.equal(await p.leave('acme', 'c', 'u'), false)
  t.equal(await p.leave('acme', 'c', 'u'), true, 'last connection')
  t.equal(await p.leave('acme', 'c', 'u'), false, 'a leave without a join announces nothing')
  t.same(await p.channel('acme', 'c'), { connections: 1, users: [{ user: 'v', connections: 1 }] })
  t.equal(await p.admit('acme', 'u', 2), true)
  t.equal(await p.admit('acme', 'u', 2), true)
  t.equal(await p.admit('acme', 'u', 2), false, 'at the cap')
  await p.release('acme', 'u')
  t.same(await p.online('acme', ['u', 'x']), { u: 1, x: 0 })
  t.same(await new MemoryPresence(() => 7).online('acme', ['u']), { u: 7 }, 'online counts from the hub when given')
})

t.test('the tracker counts each connection once per channel and pushes join/leave at the edges', async (t) => {
  const bus = new MemoryBus()
  const pushed: string[] = []
  bus.onMessage((m: ClusterMessage) => {
    if (m.kind === 'event') pushed.push(`${m.event.type} ${(m.event.data as { user: string }).user} ${m.event.target.kind === 'channel' ? m.event.target.channel : ''}`)
  })
  const store = new MemoryPresence()
  const tracker = new PresenceTracker({ store, bus, instanceId: 'i', enabled: channelMatcher('chat:*'), log: quiet })
  const a1 = conn('a1', 'alice')
  const a2 = conn('a2', 'alice')
  tracker.subscribed(a1, ['chat:1', 'orders'])
  tracker.subscribed(a1, ['chat:1']) // filters changed: the hub reports it again
  tracker.subscribed(a2, ['chat:1'])
  await settle()
  t.same(pushed, ['presence:join alice chat:1'], 'one join for alice, none for a channel without presence')
  t.same(await store.channel('acme', 'chat:1'), { connections: 2, users: [{ user: 'alice', connections: 2 }] })
  t.same(tracker.snapshot().length, 2)
  tracker.closed(a1)
  tracker.unsubscribed(a2, ['chat:1', 'orders'])
  tracker.closed(a2)
  await settle()
  t.same(pushed, ['presence:join alice chat:1', 'presence:leave alice chat:1'])
  t.same(await store.channel('acme', 'chat:1'), { connections: 0, users: [] })
  t.same(tracker.snapshot(), [])
})

t.test('presence pushes the bus refuses are logged (the first and every hundredth), not lost silently', async (t) => {
  const bus = { kind: 'redis', publish: () => Promise.reject(new Error('bus down')), onMessage() {}, health: () => 'degraded', close: async () => {} } as unknown as MemoryBus
  const warnings: Array<{ unpushed: number }> = []
  const log = { ...quiet, warn: (o: { unpushed: number }) => void warnings.push(o) }
  const tracker = new PresenceTracker({ store: new MemoryPresence(), bus, instanceId: 'i', enabled: channelMatcher('chat:*'), log })
  for (let i = 0; i < 101; i++) tracker.announce('join', 'acme', 'chat:1', `u${i}`)
  await settle()
  t.same(warnings.map((w) => w.unpushed), [1, 101])
})

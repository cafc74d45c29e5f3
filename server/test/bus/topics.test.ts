import t from 'tap'
import { TopicMap } from '../../src/bus/topics.ts'
import type { HubEvent, Target } from '../../src/realtime/event.ts'
import { RedisKeys } from '../../src/redis/keys.ts'

const keys = new RedisKeys('p:')
const map = new TopicMap(keys, new Set(['logs']))
const ev = (target: Target): HubEvent => ({ id: 'e', type: 'x', ts: '', target, data: null, publishedAt: 0 })

t.test('each event goes to exactly the topic that the rooms of its recipients ask for', async (t) => {
  t.equal(map.ofEvent(ev({ kind: 'tenant', tenant: 'acme' })), 'p:t:acme')
  t.equal(map.ofEvent(ev({ kind: 'user', tenant: 'acme', user: 'u' })), 'p:t:acme', 'user events ride the tenant topic')
  t.equal(map.ofEvent(ev({ kind: 'role', tenant: 'acme', role: 'r' })), 'p:t:acme')
  t.equal(map.ofEvent(ev({ kind: 'channel', tenant: 'acme', channel: 'orders' })), 'p:c:acme:orders')
  t.equal(map.ofEvent(ev({ kind: 'channel', tenant: 'acme', channel: 'logs' })), 'p:s:logs', 'system channels share one topic across tenants')
  t.equal(map.ofEvent(ev({ kind: 'all' })), 'p:all')
  t.equal(map.ofMessage({ kind: 'disconnect', origin: 'o', selector: { tenant: 'acme' }, code: 4005, reason: '' }), 'p:ctl')

  t.equal(map.ofRoom({ kind: 'tenant', tenant: 'acme' }), 'p:t:acme')
  t.equal(map.ofRoom({ kind: 'user', tenant: 'acme', user: 'u' }), undefined, 'covered by the tenant room')
  t.equal(map.ofRoom({ kind: 'channel', tenant: 'acme', channel: 'orders' }), 'p:c:acme:orders')
  t.equal(map.ofRoom({ kind: 'channel', tenant: '*', channel: 'logs' }), 'p:s:logs', 'a global admin watching logs')
  t.equal(map.ofRoom({ kind: 'channel', tenant: 'acme', channel: 'logs' }), 'p:s:logs', 'a tenant admin watching logs')
  t.same(map.fixed, ['p:all', 'p:ctl'])
})

t.test('tenants are encoded: a colon in a tenant cannot collide with another tenant\'s channel', async (t) => {
  t.not(map.ofEvent(ev({ kind: 'channel', tenant: 'a:b', channel: 'c' })), map.ofEvent(ev({ kind: 'channel', tenant: 'a', channel: 'b:c' })))
  t.equal(keys.tenantTopic('a:b'), 'p:t:a%3Ab')
  t.not(keys.stream('a:b\0c'), keys.stream('a\0b:c'))
  t.not(keys.stream('t\0x'), keys.streamMeta('t\0x'))
})

import t from 'tap'
import type { Connection } from '../../src/realtime/connection.ts'
import { Subscriptions, type Subscription } from '../../src/realtime/subscriptions.ts'

// the container never looks at the connection
const sub = (channel: string): Subscription => ({ channel, connection: undefined as unknown as Connection, filters: undefined, pending: undefined })

t.test('get, has, set and delete agree below and above the linear limit, in both directions', async (t) => {
  const subs = new Subscriptions()
  const all: Subscription[] = []
  // 20 channels: crosses the point where the Map index is built, then back down past it
  for (let i = 0; i < 20; i++) {
    const s = sub(`ch-${i}`)
    all.push(s)
    subs.set(s)
    t.equal(subs.size, i + 1)
    for (let j = 0; j <= i; j++) t.equal(subs.get(`ch-${j}`), all[j], `ch-${j} found with ${i + 1} channels`)
    t.equal(subs.get(`ch-${i + 1}`), undefined)
  }
  t.same(subs.channels(), all.map((s) => s.channel), 'channels keep subscription order')

  const replacement = sub('ch-3')
  subs.set(replacement)
  t.equal(subs.size, 20, 'setting a channel again replaces it')
  t.equal(subs.get('ch-3'), replacement)

  for (let i = 19; i >= 0; i--) {
    t.ok(subs.delete(`ch-${i}`))
    t.notOk(subs.has(`ch-${i}`), `ch-${i} gone`)
    t.equal(subs.size, i)
    if (i > 0) t.ok(subs.has(`ch-${i - 1}`), `ch-${i - 1} still there with ${i} channels`)
  }
  t.notOk(subs.delete('ch-0'), 'deleting a missing channel reports false')
  t.same(subs.channels(), [])
})

t.test('channels() is a copy: deleting while walking it visits every channel', async (t) => {
  const subs = new Subscriptions()
  for (const c of ['a', 'b', 'c']) subs.set(sub(c))
  const seen: string[] = []
  for (const c of subs.channels()) {
    seen.push(c)
    subs.delete(c)
  }
  t.same(seen, ['a', 'b', 'c'])
  t.equal(subs.size, 0)
})

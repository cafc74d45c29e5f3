import t from 'tap'
import type { HubEvent } from '../../src/realtime/event.ts'
import { streamKey } from '../../src/history/history.ts'
import { DatabaseHistory } from '../../src/history/database-history.ts'
import { DRIVERS, openTestDatabase } from '../helpers/database.ts'

let seq = 0
function event(data: unknown, ts = new Date().toISOString()): HubEvent {
  return { id: `e${++seq}`, type: 'task_event', ts, target: { kind: 'channel', tenant: 't1', channel: 'orders' }, data, publishedAt: Date.now() }
}

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())
    let now = Date.now()
    const store = new DatabaseHistory(db.orm, () => ({ size: 5, ttlMs: 60_000 }), { now: () => now })
    const key = streamKey('t1', 'orders')

    t.test('appends get consecutive offsets within one epoch', async (t) => {
      await db.truncate()
      const a = await store.append(key, event({ n: 1 }))
      const b = await store.append(key, event({ n: 2 }))
      t.equal(a.offset, 1)
      t.equal(b.offset, 2)
      t.equal(a.epoch, b.epoch)
      t.same(await store.position(key), { offset: 2, epoch: a.epoch })
    })

    t.test('concurrent appends to one stream resolve in offset order', async (t) => {
      await db.truncate()
      const order: number[] = []
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(key, event({ i })).then((e) => order.push(e.offset!))))
      t.same(order, Array.from({ length: 20 }, (_, i) => i + 1))
    })

    t.test('recovers exactly the events after a position, in order, as they were', async (t) => {
      await db.truncate()
      const first = await store.append(key, event({ n: 0 }))
      const sent = []
      for (let n = 1; n <= 3; n++) sent.push(await store.append(key, event({ n, nested: { b: 1, a: [1.5, 'x'] } })))
      const r = await store.recover(key, { offset: first.offset!, epoch: first.epoch! })
      t.equal(r.recovered, true)
      if (!r.recovered) return
      t.same(r.events, sent)
      t.equal(JSON.stringify(r.events[0]!.data), JSON.stringify(sent[0]!.data), 'key order of data kept')
      t.same(r.position, { offset: 4, epoch: first.epoch })
    })

    t.test('a position at the top recovers nothing, recovered:true', async (t) => {
      await db.truncate()
      const e = await store.append(key, event({}))
      t.same(await store.recover(key, { offset: e.offset!, epoch: e.epoch! }), { recovered: true, events: [], position: { offset: 1, epoch: e.epoch } })
    })

    t.test('a gap beyond the kept size is recovered:false', async (t) => {
      await db.truncate()
      const first = await store.append(key, event({ n: 0 }))
      for (let n = 1; n <= 6; n++) await store.append(key, event({ n }))
      const rows = await db.orm.em.fork().getConnection().execute(`select count(*)::int as n from ${db.settings.schema ? `"${db.settings.schema}".` : ''}channel_message`)
      t.equal(rows[0].n, 5, 'trimmed to size')
      const r = await store.recover(key, { offset: first.offset!, epoch: first.epoch! })
      t.same(r, { recovered: false, position: { offset: 7, epoch: first.epoch } })
      const ok = await store.recover(key, { offset: 2, epoch: first.epoch! })
      t.equal(ok.recovered, true, 'the last 5 are still recoverable')
      t.same(ok.recovered ? ok.events.map((e) => e.offset) : [], [3, 4, 5, 6, 7])
    })

    t.test('expired events are not replayed: recovered:false', async (t) => {
      await db.truncate()
      now = Date.now()
      const first = await store.append(key, event({ n: 0 }, new Date(now).toISOString()))
      await store.append(key, event({ n: 1 }, new Date(now).toISOString()))
      now += 61_000
      try {
        const r = await store.recover(key, { offset: first.offset!, epoch: first.epoch! })
        t.equal(r.recovered, false)
        t.equal(await store.purgeExpired(), 2)
      } finally {
        now = Date.now()
      }
    })

    t.test('another epoch or an offset from the future is recovered:false', async (t) => {
      await db.truncate()
      const e = await store.append(key, event({}))
      t.equal((await store.recover(key, { offset: 0, epoch: 'other' })).recovered, false)
      t.equal((await store.recover(key, { offset: 9, epoch: e.epoch! })).recovered, false)
    })

    t.test('a lost stream starts a new epoch, so old positions are not replayed', async (t) => {
      await db.truncate()
      const before = await store.append(key, event({}))
      await db.truncate()
      const after = await store.append(key, event({}))
      t.not(after.epoch, before.epoch)
      t.equal((await store.recover(key, { offset: 0, epoch: before.epoch! })).recovered, false)
    })

    t.test('streams of two tenants are separate', async (t) => {
      await db.truncate()
      const a = await store.append(streamKey('t1', 'orders'), event({}))
      const b = await store.append(streamKey('t2', 'orders'), event({}))
      t.equal(a.offset, 1)
      t.equal(b.offset, 1)
      t.not(a.epoch, b.epoch)
    })

    t.test('a failed append still delivers (no position) and opens a new epoch: no replay with a hole', async (t) => {
      await db.truncate()
      let broken = false
      const reports: unknown[] = []
      const flaky = new DatabaseHistory(
        db.orm,
        () => {
          if (broken) throw new Error('database down')
          return { size: 5, ttlMs: 60_000 }
        },
        { onAppendFailure: (info) => void reports.push(info) },
      )
      const a = await flaky.append(key, event({ n: 1 }))
      broken = true
      const lost = await flaky.append(key, event({ n: 2 }))
      await flaky.append(key, event({ n: 3 }))
      t.equal(lost.offset, undefined, 'delivered live without a position')
      t.equal(lost.epoch, undefined)
      t.same(lost.data, { n: 2 })
      t.equal(flaky.failedAppends, 2)
      t.equal(reports.length, 1, 'reported once, not per failure')
      broken = false
      const c = await flaky.append(key, event({ n: 4 }))
      t.not(c.epoch, a.epoch, 'a new epoch after the loss')
      t.equal((await flaky.recover(key, { offset: a.offset!, epoch: a.epoch! })).recovered, false, 'positions from before cannot be trusted')
      t.same(await flaky.recover(key, { offset: c.offset!, epoch: c.epoch! }), { recovered: true, events: [], position: { offset: c.offset, epoch: c.epoch } })
    })

    t.test('a second store on the same database continues the same stream (another instance)', async (t) => {
      await db.truncate()
      const other = new DatabaseHistory(db.orm, () => ({ size: 5, ttlMs: 60_000 }))
      const a = await store.append(key, event({}))
      const b = await other.append(key, event({}))
      t.equal(b.offset, 2)
      t.equal(b.epoch, a.epoch)
      const r = await store.recover(key, { offset: 0, epoch: a.epoch! })
      t.same(r.recovered ? r.events.map((e) => e.id) : null, [a.id, b.id])
    })
  })
}

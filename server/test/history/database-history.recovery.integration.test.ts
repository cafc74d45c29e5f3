import t from 'tap'
import { persistenceApp, type TestApp } from '../helpers/app.ts'
import { DRIVERS, openTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { TestClient } from '../helpers/ws-client.ts'

const HISTORY_CHANNELS = 'orders=100:300,tiny=3:300'

/** The app as configured by default with a database: HISTORY_STORE=auto keeps history in it. */
async function appWithDatabaseHistory(db: TestDatabase): Promise<TestApp> {
  return persistenceApp(db, { HISTORY_CHANNELS })
}

type Push = { type: string; id: string; offset?: number; epoch?: string; channel?: string; data: { taskId: number } }

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())
    let server = await appWithDatabaseHistory(db)
    t.teardown(() => server.app.close())
    const service = () => server.token({ sub: 'svc', tenant: 't1', roles: ['service'] })
    const user = () => server.token({ sub: 'u1', tenant: 't1', roles: ['user'] })
    let taskId = 0
    const publish = async (channel: string) => {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/publish',
        headers: { authorization: `Bearer ${service()}` },
        payload: { type: 'task_event', tenant: 't1', channel, data: { action: 'created', taskId: ++taskId } },
      })
      t.equal(res.statusCode, 200, 'published')
      return res.json() as { id: string; offset: number; epoch: string }
    }
    const subscribe = async (client: TestClient, channel: string, since?: { offset: number; epoch: string }) => {
      const reply = await client.request({ type: 'subscribe', channels: [channel], ...(since ? { since: { [channel]: since } } : {}) })
      t.equal(reply.type, 'subscribed')
      return (reply.recovery as Array<{ recovered: boolean; position: { offset: number; epoch: string }; replayed: number }>)[0]!
    }
    const pushes = async (client: TestClient, n: number) => {
      const got: Push[] = []
      for (let i = 0; i < n; i++) got.push((await client.next((f) => f.type === 'task_event')) as unknown as Push)
      return got
    }

    t.test('a client that was away gets exactly the missed messages, in order, recovered:true', async (t) => {
      const first = await TestClient.connect(server.url, user())
      const start = await subscribe(first, 'orders')
      t.equal(start.recovered, true)
      const seen = await Promise.all([pushes(first, 1), publish('orders')]).then(([p]) => p)
      const position = { offset: seen[0]!.offset!, epoch: seen[0]!.epoch! }
      first.close()
      await first.closed

      const sent = []
      for (let i = 0; i < 5; i++) sent.push(await publish('orders'))

      const back = await TestClient.connect(server.url, user())
      t.teardown(() => back.close())
      const recovery = await subscribe(back, 'orders', position)
      t.same(recovery, { channel: 'orders', recovered: true, replayed: 5, position: { offset: position.offset + 5, epoch: position.epoch } })
      const replayed = await pushes(back, 5)
      t.same(replayed.map((p) => p.id), sent.map((s) => s.id), 'exactly the 5 missed, in order')
      t.same(replayed.map((p) => p.offset), [1, 2, 3, 4, 5].map((k) => position.offset + k))
      t.ok(replayed.every((p) => p.channel === 'orders' && p.epoch === position.epoch))
      const live = await Promise.all([pushes(back, 1), publish('orders')]).then(([p]) => p[0]!)
      t.equal(live.offset, position.offset + 6, 'then live, no gap')
      await new Promise((r) => setTimeout(r, 50))
      t.same(back.pending((f) => f.type === 'task_event'), [], 'and no duplicate')
    })

    t.test('a gap beyond what the channel keeps is recovered:false, with nothing replayed', async (t) => {
      const client = await TestClient.connect(server.url, user())
      await subscribe(client, 'tiny')
      const seen = await Promise.all([pushes(client, 1), publish('tiny')]).then(([p]) => p[0]!)
      client.close()
      await client.closed
      for (let i = 0; i < 5; i++) await publish('tiny')
      const back = await TestClient.connect(server.url, user())
      t.teardown(() => back.close())
      const recovery = await subscribe(back, 'tiny', { offset: seen.offset!, epoch: seen.epoch! })
      t.equal(recovery.recovered, false)
      t.equal(recovery.replayed, 0)
      t.equal(recovery.position.offset, seen.offset! + 5, 'the current position, to resume from after reloading')
      await new Promise((r) => setTimeout(r, 50))
      t.same(back.pending((f) => f.type === 'task_event'), [], 'never a partial replay')
    })

    t.test('two subscribers see the same messages in the same order', async (t) => {
      const a = await TestClient.connect(server.url, user())
      const b = await TestClient.connect(server.url, user())
      t.teardown(() => {
        a.close()
        b.close()
      })
      await subscribe(a, 'orders')
      await subscribe(b, 'orders')
      const [ga, gb] = await Promise.all([pushes(a, 20), pushes(b, 20), Promise.all(Array.from({ length: 20 }, () => publish('orders')))])
      t.same(ga.map((p) => p.id), gb.map((p) => p.id))
      const offsets = ga.map((p) => p.offset!)
      t.same(offsets, [...offsets].sort((x, y) => x - y), 'in offset order')
      t.equal(new Set(offsets).size, 20, 'each offset once')
      t.equal(offsets[19]! - offsets[0]!, 19, 'contiguous')
    })

    t.test('history in the database outlives a restart: recovery works across server instances', async (t) => {
      const client = await TestClient.connect(server.url, user())
      await subscribe(client, 'orders')
      const seen = await Promise.all([pushes(client, 1), publish('orders')]).then(([p]) => p[0]!)
      client.close()
      await client.closed
      const missed = [await publish('orders'), await publish('orders')]
      await server.app.close()
      server = await appWithDatabaseHistory(db)
      const back = await TestClient.connect(server.url, user())
      t.teardown(() => back.close())
      const recovery = await subscribe(back, 'orders', { offset: seen.offset!, epoch: seen.epoch! })
      t.equal(recovery.recovered, true)
      t.same((await pushes(back, 2)).map((p) => p.id), missed.map((m) => m.id))
    })
  })
}

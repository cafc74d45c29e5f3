import t from 'tap'
import { ConnectionRepository } from '../../src/modules/connections/connection.repository.ts'
import { openTestDatabase } from '../helpers/database.ts'
import type { TestServer } from '../helpers/server.ts'
import { startDatabaseCluster } from '../helpers/cluster.ts'
import { TestClient } from '../helpers/ws-client.ts'

t.test('when a crashed instance\'s lease expires, a survivor closes its connection records', async (t) => {
  const db = await openTestDatabase('postgresql')
  t.teardown(() => db.close())
  const { nodes } = await startDatabaseCluster(t, 'records', db, ['survivor', 'doomed'], { CLUSTER_HEARTBEAT_MS: '100', CLUSTER_LEASE_MS: '400' })
  const [survivor, doomed] = nodes as [TestServer, TestServer]
  const repo = new ConnectionRepository(db.orm)
  const clients = [
    await TestClient.connect(doomed.http, doomed.app.signToken({ sub: 'a', tenant: 'acme', roles: ['user'] })),
    await TestClient.connect(doomed.http, doomed.app.signToken({ sub: 'b', tenant: 'acme', roles: ['user'] })),
    await TestClient.connect(survivor.http, survivor.app.signToken({ sub: 'c', tenant: 'acme', roles: ['user'] })),
  ]
  const open = async (instance: string) => (await repo.list({ status: 'connected' }, { limit: 50, offset: 0 })).items.filter((r) => r.instanceId === instance).length
  const until = async (ok: () => Promise<boolean>) => {
    for (let i = 0; i < 250 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 20))
  }
  await until(async () => (await open('doomed')) === 2 && (await open('survivor')) === 1)
  t.equal(await open('doomed'), 2, 'the doomed instance\'s connections are recorded')

  doomed.app.cluster.redisRegistry!.abandon() // it "crashes": no heartbeat, no cleanup, sockets still open
  await until(async () => (await open('doomed')) === 0)
  t.equal(await open('doomed'), 0, 'its rows are closed by the survivor')
  const row = (await repo.list({ status: 'disconnected' }, { limit: 50, offset: 0 })).items.find((r) => r.instanceId === 'doomed')
  t.match(row, { status: 'disconnected', closeReason: /instance stopped/ })
  t.equal(await open('survivor'), 1, 'the survivor\'s own rows are untouched')
  for (const c of clients) c.close()
})

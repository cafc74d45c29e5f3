import t from 'tap'
import { SimulatedShellyCloud } from '../../../../src/modules/devices/simulator/simulated-cloud.ts'
import { accountLease } from '../../../../src/modules/devices/cloud/shelly-cloud-manager.ts'
import { CloudAccountRepository } from '../../../../src/modules/devices/storage/cloud-account.repository.ts'
import { RedisKeys } from '../../../../src/redis/keys.ts'
import { startDatabaseCluster } from '../../../helpers/cluster.ts'
import { openTestDatabase } from '../../../helpers/database.ts'
import { redisClient } from '../../../helpers/redis.ts'
import type { TestServer } from '../../../helpers/server.ts'
import { api, operator, sleep, until } from '../device-helpers.ts'

/** Instances refresh every 100 ms; a lease lasts 400 ms. */
const FAST = { CLUSTER_HEARTBEAT_MS: '100', CLUSTER_LEASE_MS: '400', SHELLY_CLOUD_RECONNECT_INITIAL_MS: '50', SHELLY_CLOUD_RECONNECT_MAX_MS: '200' }
/** Several refreshes of every instance. */
const SETTLE_MS = 600

const connected = (s: TestServer) => s.app.devices.cloud.statusCounts().connected ?? 0

/**
 * Two instances sharing Redis and PostgreSQL, one simulated Shelly Cloud:
 * whatever happens, at most one connection to an account exists.
 */
t.test('a cloud account is connected by one instance of a cluster; operator actions reach it; a clean stop hands it over', async (t) => {
  const db = await openTestDatabase('postgresql')
  t.teardown(() => db.close())
  const cloud = new SimulatedShellyCloud({ token: 'cloud-secret', deviceIds: ['e8db84000001', 'e8db84000002'] })
  const url = await cloud.listen()
  t.teardown(() => cloud.close())
  const { nodes, prefix } = await startDatabaseCluster(t, 'cloud-lease', db, ['n1', 'n2'], FAST)
  const [a, b] = nodes as [TestServer, TestServer]
  const op = (s: TestServer) => s.token(operator('clinic-1'))

  const created = await api(a, op(a), 'POST', '/api/devices/cloud-accounts', { name: 'main', host: url, accessToken: 'cloud-secret' })
  t.equal(created.status, 201)
  const { id, connectionId } = created.body as { id: string; connectionId: string }
  t.ok(await until(() => b.app.devices.cloud.account(id) !== undefined), 'the other instance picks the new account up')
  await sleep(SETTLE_MS)
  t.equal(cloud.clients.size, 1, 'one connection to Shelly Cloud, not one per instance')
  t.same([connected(a), connected(b)], [1, 0], 'the instance that created it runs it')
  const listed = await api(b, op(b), 'GET', '/api/devices/cloud-accounts')
  t.match(listed.body.items, [{ id, status: 'connected', autoReconnect: true }], 'the other instance reports the status its holder wrote')

  // a stop taken on the instance that does not run it is forwarded to the one that does
  t.equal((await api(b, op(b), 'POST', `/api/websocket/${connectionId}/stop`)).status, 200)
  t.ok(await until(() => cloud.clients.size === 0 && connected(a) === 0), 'the holder stopped it')
  await sleep(SETTLE_MS)
  t.equal(cloud.clients.size, 0, 'and no instance took it back (auto_reconnect is off)')

  // a start on either instance: whichever takes the lease first runs it, and only that one
  t.equal((await api(b, op(b), 'POST', `/api/websocket/${connectionId}/start`)).status, 200)
  t.ok(await until(() => cloud.clients.size === 1 && connected(a) + connected(b) === 1), 'started once')
  await sleep(SETTLE_MS)
  t.equal(cloud.clients.size, 1, 'still one connection')
  const holder = connected(a) === 1 ? a : b
  const nonHolder = holder === a ? b : a
  t.same(nonHolder.app.devices.cloud.statusCounts(), {}, 'connections are counted (switchboard_upstream_connections) by the instance that runs them only')

  // a cloud device switched through the instance that does not run its account: relayed to the holder
  const cloudDevices = (s: TestServer) => [...s.app.devices.registry.all()].filter((d) => d.source === 'cloud')
  t.ok(await until(() => cloudDevices(holder).filter((d) => d.online).length === 2 && cloudDevices(nonHolder).length === 2), 'both know the account\'s devices')
  const dev = cloudDevices(nonHolder)[0]!
  const switched = await api(nonHolder, op(nonHolder), 'POST', `/api/devices/${dev.id}/switch`, { on: true })
  t.match(switched, { status: 200, body: { deviceId: dev.id, channel: 0, on: true } })
  t.equal(cloud.devices.get(dev.externalId)!.relayOn, true, 'the cloud switched it')

  // the holder loses its lease (as when it stalled past it and another instance took it): it disconnects
  const redis = await redisClient(t)
  const leaseKey = new RedisKeys(prefix).lease(accountLease(id))
  t.equal(await redis.get(leaseKey), holder.config.INSTANCE_ID, 'the lease names its holder')
  await redis.set(leaseKey, 'n9', 'PX', 60_000)
  t.ok(await until(() => cloud.clients.size === 0 && connected(a) + connected(b) === 0), 'a holder that lost its lease stops its connection')
  await redis.del(leaseKey)
  t.ok(await until(() => cloud.clients.size === 1 && connected(a) + connected(b) === 1), 'once free it is taken again, by one instance')
  await sleep(SETTLE_MS)
  t.equal(cloud.clients.size, 1)

  // the database stalls for every instance (accounts cannot be listed) for longer than a lease: the holder
  // still renews its lease, which would otherwise lapse and let another instance connect the account too
  const list = CloudAccountRepository.prototype.list
  let release = () => {}
  const stalled = new Promise<void>((r) => (release = r))
  CloudAccountRepository.prototype.list = async function (this: CloudAccountRepository) {
    await stalled
    return list.call(this)
  }
  t.teardown(() => {
    CloudAccountRepository.prototype.list = list
    release()
  })
  const holderNow = connected(a) === 1 ? a : b
  await sleep(1_200) // three leases
  t.equal(await redis.get(leaseKey), holderNow.config.INSTANCE_ID, 'the lease is renewed through the stall')
  CloudAccountRepository.prototype.list = list
  release()
  await sleep(SETTLE_MS)
  t.equal(cloud.clients.size, 1, 'one connection all along')

  // the holder shuts down cleanly: it gives the lease up and the other instance takes the account over
  const [current, survivor] = connected(a) === 1 ? [a, b] : [b, a]
  await current.close()
  t.ok(await until(() => connected(survivor) === 1 && cloud.clients.size === 1), 'taken over')
  await sleep(SETTLE_MS)
  t.equal(cloud.clients.size, 1)
})

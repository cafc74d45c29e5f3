import { existsSync } from 'node:fs'
import t from 'tap'
import { loadConfig } from '../src/config.ts'
import { startServer } from './helpers/server.ts'
import { TestClient } from './helpers/ws-client.ts'

t.test('DATABASE_ENABLED=false: no ORM, no data dir, persistence APIs absent, notification frames answered UNAVAILABLE', async (t) => {
  const dir = t.testdir()
  const server = await startServer(t, { DATA_DIR: dir })
  t.equal(server.app.hasDecorator('orm'), false)
  t.notOk(existsSync(`${dir}/pglite`), 'no PGlite cluster created')
  const admin = server.token({ sub: 'root', tenant: 'ops', roles: ['admin'] })
  const res = await fetch(`${server.http}/api/websocket/connections`, { headers: { authorization: `Bearer ${admin}` } })
  t.equal(res.status, 404)
  const client = await TestClient.connect(server.http, admin)
  t.teardown(() => client.close())
  const reply = await client.request({ type: 'notifications:get' })
  t.match(reply, { type: 'error', code: 'UNAVAILABLE' })
  t.equal(client.socket.readyState, 1, 'the connection stays')
})

t.test('HISTORY_STORE=database without a database is a configuration error', async (t) => {
  t.throws(() => loadConfig({ DATABASE_ENABLED: 'false', HISTORY_STORE: 'database' }), /HISTORY_STORE=database needs DATABASE_ENABLED=true/)
})

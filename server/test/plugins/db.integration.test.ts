import Fastify from 'fastify'
import t from 'tap'
import { loadConfig } from '../../src/config.ts'
import dbPlugin from '../../src/plugins/db.ts'
import { DataDirLockedError } from '../../src/storage/data-dir-lock.ts'
import { query, tableName } from '../../src/storage/database.ts'
import { TEST_DATABASE_URL } from '../helpers/database.ts'

async function appOn(env: Record<string, string>, settings: Record<string, string> = {}) {
  const app = Fastify({ logger: false })
  await app.register(dbPlugin, { config: loadConfig({ LOG_LEVEL: 'silent', ...env }), settings })
  await app.ready()
  return app
}

t.test('PGlite in DATA_DIR: migrated on start, one process per data dir, reopened with its data', async (t) => {
  const dir = t.testdir()
  const first = await appOn({ DATA_DIR: dir })
  await query(first.orm, `insert into ${tableName(first.orm, 'service_log')} (tenant, level, service, message, logged_at, created_at) values ('t', 'info', 's', 'kept', now(), now())`)
  await t.rejects(appOn({ DATA_DIR: dir }), DataDirLockedError, 'a second opener is refused while the first runs')
  await first.close()
  const again = await appOn({ DATA_DIR: dir })
  t.teardown(() => again.close())
  const rows = await query<{ message: string }>(again.orm, `select message from ${tableName(again.orm, 'service_log')}`)
  t.same(rows, [{ message: 'kept' }], 'data survived the restart')
})

t.test('PostgreSQL via DATABASE_URL; MIGRATE_ON_START=false leaves the schema alone', async (t) => {
  const schema = `sb_test_plugin_${process.pid}`
  const app = await appOn({ DATABASE_URL: TEST_DATABASE_URL, MIGRATE_ON_START: 'false' }, { schema })
  t.teardown(async () => {
    await query(app.orm, `drop schema if exists "${schema}" cascade`)
    await app.close()
  })
  t.equal((await app.orm.migrator.getPending()).length > 0, true, 'nothing was applied')
  const migrated = await appOn({ DATABASE_URL: TEST_DATABASE_URL }, { schema })
  t.same(await migrated.orm.migrator.getPending(), [], 'migrated on start by default')
  await migrated.close()
})

t.test('closing the app closes the ORM and releases the data dir', async (t) => {
  const dir = t.testdir()
  const app = await appOn({ DATA_DIR: dir })
  await app.close()
  t.equal(await app.orm.isConnected(), false)
  const next = await appOn({ DATA_DIR: dir })
  await next.close()
  t.pass('reopened after close')
})

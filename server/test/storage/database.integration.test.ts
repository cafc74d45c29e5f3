import t from 'tap'
import { initOrm, migrateDown, migrateUp, query, tableName } from '../../src/storage/database.ts'
import { DRIVERS, TABLES, openTestDatabase } from '../helpers/database.ts'

async function tablesPresent(db: Awaited<ReturnType<typeof openTestDatabase>>): Promise<string[]> {
  const schema = db.settings.schema ?? 'public'
  const rows = await query<{ table_name: string }>(
    db.orm,
    `select table_name from information_schema.tables where table_schema = ? and table_name in (${TABLES.map(() => '?').join(', ')}) order by table_name`,
    [schema, ...TABLES],
  )
  return rows.map((r) => r.table_name)
}

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())

    t.test('the migrations create every table the entities need, and nothing differs', async (t) => {
      t.same(await tablesPresent(db), [...TABLES].sort())
      const diff = await db.orm.schema.getUpdateSchemaSQL({ wrap: false, ...(db.settings.schema ? { schema: db.settings.schema } : {}) })
      t.equal(diff.trim(), '', 'entities and migrated schema agree')
      t.same(await db.orm.migrator.getPending(), [], 'nothing pending')
    })

    t.test('down reverts every migration and up applies them again', async (t) => {
      const reverted = await migrateDown(db.orm, { to: 0 })
      t.ok(reverted.length >= 1)
      t.same(await tablesPresent(db), [], 'all tables dropped')
      const applied = await migrateUp(db.orm, db.settings.schema)
      t.same(applied, [...reverted].reverse(), 'the same migrations, in order')
      t.same(await tablesPresent(db), [...TABLES].sort())
    })

    t.test('up twice is a no-op', async (t) => {
      t.same(await migrateUp(db.orm, db.settings.schema), [])
    })

    t.test('data written after a round trip is read back through the entities', async (t) => {
      await query(db.orm, `insert into ${tableName(db.orm, 'service_log')} (tenant, level, service, message, logged_at, created_at) values ('t1', 'info', 's', 'hello', now(), now())`)
      const rows = await query<{ message: string }>(db.orm, `select message from ${tableName(db.orm, 'service_log')}`)
      t.same(rows, [{ message: 'hello' }])
    })
  })
}

t.test('a PGlite cluster in a directory keeps its data across opens', async (t) => {
  const dir = t.testdir()
  const settings = { url: '', dataDir: `${dir}/pglite` }
  let orm = await initOrm(settings)
  await migrateUp(orm)
  await query(orm, `insert into "notification" (id, tenant, user_id, type, category, title, message, created_at) values (gen_random_uuid(), 't', 'u', 'info', 'system', 'x', 'y', now())`)
  await orm.close()
  orm = await initOrm(settings)
  t.teardown(() => orm.close())
  t.same(await migrateUp(orm), [], 'already migrated')
  const rows = await query<{ n: number }>(orm, `select count(*)::int as n from "notification"`)
  t.equal(rows[0]!.n, 1)
})

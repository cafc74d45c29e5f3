import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { initOrm, query } from '../../src/storage/database.ts'
import { TABLES, TEST_DATABASE_URL } from '../helpers/database.ts'

const CLI = fileURLToPath(new URL('../../src/cli/migrate.ts', import.meta.url))

function migrate(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr })
    })
  })
}

t.test('npm run migrate on PGlite: up, pending, check, down --all', async (t) => {
  const env = { DATA_DIR: t.testdir(), DATABASE_URL: '' }
  const up = await migrate(['up'], env)
  t.equal(up.code, 0, up.out)
  t.match(up.out, /applied: Migration\d+_initial/)
  t.match((await migrate(['pending'], env)).out, /^none$/m)
  t.match((await migrate(['up'], env)).out, /nothing to apply/, 'a second up applies nothing')
  const check = await migrate(['check'], env)
  t.equal(check.code, 0)
  t.match(check.out, /migrations are current/)
  const down = await migrate(['down', '--all'], env)
  t.equal(down.code, 0)
  t.match(down.out, /reverted: .*Migration\d+_initial/)
  t.match((await migrate(['pending'], env)).out, /Migration\d+_initial/)
  const bad = await migrate(['sideways'], env)
  t.equal(bad.code, 2)
  t.match(bad.out, /unknown command/)
})

t.test('npm run migrate on PostgreSQL, in DATABASE_SCHEMA', async (t) => {
  const schema = `sb_test_cli_${process.pid}`
  const env = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema }
  t.teardown(async () => {
    const orm = await initOrm({ url: TEST_DATABASE_URL, dataDir: '' })
    await query(orm, `drop schema if exists "${schema}" cascade`)
    await orm.close()
  })
  const up = await migrate(['up'], env)
  t.equal(up.code, 0, up.out)
  t.match(up.out, /applied: Migration\d+_initial/)
  const orm = await initOrm({ url: TEST_DATABASE_URL, dataDir: '' })
  t.teardown(() => orm.close())
  const tables = await query<{ table_name: string }>(orm, `select table_name from information_schema.tables where table_schema = ?`, [schema])
  const names = tables.map((r) => r.table_name)
  for (const table of [...TABLES, 'mikro_orm_migrations']) t.ok(names.includes(table), `${table} is in the schema`)
  t.match((await migrate(['pending'], env)).out, /^none$/m)
})

t.test('a PGlite data dir in use by another process is refused', async (t) => {
  const dir = t.testdir({ 'pglite.lock': `${process.pid}\n` })
  const res = await migrate(['up'], { DATA_DIR: dir, DATABASE_URL: '' })
  t.not(res.code, 0)
  t.match(res.out, /held by process/)
})

import { randomBytes } from 'node:crypto'
import { initOrm, migrateUp, type DatabaseDriver, type DatabaseSettings, type Orm } from '../../src/storage/database.ts'

/** Every persistence test runs on both drivers. */
export const DRIVERS: readonly DatabaseDriver[] = ['pglite', 'postgresql']

/** The machine's PostgreSQL (trust auth); each test file works in a schema of its own. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export const TABLES = ['websocket_connection', 'websocket_log', 'service_log', 'notification', 'channel_message', 'channel_stream']

export interface TestDatabase {
  driver: DatabaseDriver
  orm: Orm
  settings: DatabaseSettings
  /** Empties every table (between subtests that need a clean slate). */
  truncate(): Promise<void>
  /** Closes the ORM and, on PostgreSQL, drops the file's schema. */
  close(): Promise<void>
}

/**
 * A migrated database for one test file: an in-memory PGlite (booted once per
 * file: it is slow and large), or a fresh schema on the real PostgreSQL so
 * parallel test files never see each other's rows.
 */
export async function openTestDatabase(driver: DatabaseDriver, where: { url?: string; dataDir?: string } = {}): Promise<TestDatabase> {
  const schema = driver === 'postgresql' ? `sb_test_${randomBytes(5).toString('hex')}` : undefined
  const settings: DatabaseSettings =
    driver === 'postgresql'
      ? { url: where.url ?? TEST_DATABASE_URL, dataDir: '', schema, poolMax: 4 }
      : { url: '', dataDir: where.dataDir ?? 'memory://' }
  const orm = await initOrm(settings)
  await migrateUp(orm, schema)
  const qualified = (table: string) => (schema ? `"${schema}"."${table}"` : `"${table}"`)
  return {
    driver,
    orm,
    settings,
    async truncate() {
      await orm.em.fork().getConnection().execute(`truncate ${TABLES.map(qualified).join(', ')} restart identity`)
    },
    async close() {
      if (schema) await orm.em.fork().getConnection().execute(`drop schema if exists "${schema}" cascade`)
      await orm.close()
    },
  }
}

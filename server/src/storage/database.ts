import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Migrator } from '@mikro-orm/migrations'
import { MikroORM as PgliteMikroORM } from '@mikro-orm/pglite'
import { MikroORM as PostgreSqlMikroORM, type Options, type SqlEntityManager } from '@mikro-orm/postgresql'
import { ENTITIES } from './entities.ts'

/** The repository's top-level `migrations/` folder: one set for PGlite and PostgreSQL. */
export const MIGRATIONS_DIR = resolve(fileURLToPath(new URL('../../../migrations', import.meta.url)))

/**
 * The ORM both drivers give us. PGlite's driver extends the same SQL driver
 * as PostgreSQL's, with the same platform; the rest of the server only sees
 * this type and never which driver runs underneath.
 */
export type Orm = Awaited<ReturnType<typeof PostgreSqlMikroORM.init>>
export type Em = SqlEntityManager

export type DatabaseDriver = 'postgresql' | 'pglite'

export interface DatabaseSettings {
  /** `postgres://...`; empty means embedded PGlite. */
  url: string
  /** PGlite data directory (`memory://` for a throwaway one). Ignored with a url. */
  dataDir: string
  /** PostgreSQL schema to live in (tests isolate themselves in one); default `public`. */
  schema?: string
  /** Receives MikroORM's own log lines (migrations, discovery); silent when absent. */
  log?: (message: string) => void
  poolMax?: number
}

/** The PGlite cluster lives in a folder of DATA_DIR, next to its lock file. */
export function pgliteDir(dataDir: string): string {
  return dataDir.startsWith('memory:') ? dataDir : join(dataDir, 'pglite')
}

/** Settings from the server's configuration; `log` and `schema` are the caller's. */
export function databaseSettings(
  config: { DATABASE_URL: string; DATA_DIR: string; DATABASE_POOL_MAX: number; DATABASE_SCHEMA: string },
  extra: Pick<DatabaseSettings, 'log' | 'schema'> = {},
): DatabaseSettings {
  return {
    url: config.DATABASE_URL,
    dataDir: pgliteDir(config.DATA_DIR),
    poolMax: config.DATABASE_POOL_MAX,
    ...(config.DATABASE_SCHEMA ? { schema: config.DATABASE_SCHEMA } : {}),
    ...extra,
  }
}

export function driverOf(settings: Pick<DatabaseSettings, 'url'>): DatabaseDriver {
  return settings.url ? 'postgresql' : 'pglite'
}

/**
 * MikroORM options for either driver. The migration settings are the same
 * for both on purpose: a fixed snapshot name (the default follows `dbName`,
 * which differs per driver), explicit paths, and no snapshot rewrite on
 * `up`/`down` (a server migrating at start must not write into the repo, and
 * parallel test runs must not race on the file).
 */
export function ormOptions(settings: DatabaseSettings): Options {
  const log = settings.log
  const base: Options = {
    entities: ENTITIES,
    extensions: [Migrator],
    // Every caller forks: WebSocket handlers and services never share the global identity map.
    allowGlobalContext: false,
    debug: false,
    ...(log ? { logger: (message: string) => log(message) } : {}),
    migrations: {
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      glob: '!(*.d).{js,ts}',
      snapshotName: '.snapshot-switchboard',
      snapshotOnMigrate: false,
      tableName: 'mikro_orm_migrations',
      emit: 'ts',
      transactional: true,
      allOrNothing: true,
      silent: log === undefined,
      ...(settings.schema ? { schema: settings.schema } : {}),
    },
    ...(settings.schema ? { schema: settings.schema } : {}),
  }
  if (driverOf(settings) === 'postgresql') {
    return {
      ...base,
      clientUrl: settings.url,
      pool: { min: 0, max: settings.poolMax ?? 10, idleTimeoutMillis: 30_000 },
      // Bounded waits: a database that does not answer must fail the batched
      // writer's flush (which then counts and drops) rather than hang it.
      driverOptions: { connectionTimeoutMillis: 5_000, query_timeout: 30_000 },
    }
  }
  // In-memory clusters take `dbName` as their location; a directory cluster is
  // opened through `driverOptions.dataDir` with the default `postgres` database,
  // so no CREATE DATABASE step is needed on first start.
  const memory = settings.dataDir.startsWith('memory:')
  return {
    ...base,
    dbName: memory ? settings.dataDir : 'postgres',
    ...(memory ? {} : { driverOptions: { dataDir: settings.dataDir } }),
  }
}

/** Connects (PGlite boots on the first query, not here). */
export async function initOrm(settings: DatabaseSettings): Promise<Orm> {
  const options = ormOptions(settings)
  if (driverOf(settings) === 'postgresql') return PostgreSqlMikroORM.init(options)
  // Same SQL driver family and platform; the cast only forgets which one.
  return (await PgliteMikroORM.init(options as never)) as unknown as Orm
}

/** Applies pending migrations; returns their names. Creates the schema first when one is set. */
export async function migrateUp(orm: Orm, schema?: string): Promise<string[]> {
  if (schema) await orm.em.fork().getConnection().execute(`create schema if not exists "${schema.replaceAll('"', '""')}"`)
  const done = await orm.migrator.up()
  return done.map((m) => m.name)
}

/** Reverts migrations: the last one by default, or all of them with `{ to: 0 }`. */
export async function migrateDown(orm: Orm, options: { to?: 0 | string } = {}): Promise<string[]> {
  const done = await orm.migrator.down(options.to === undefined ? undefined : { to: options.to })
  return done.map((m) => m.name)
}

/** Runs one SQL statement (`?` placeholders) on a fresh fork; rows typed by the caller. */
export async function query<R>(orm: Orm, sql: string, params: unknown[] = []): Promise<R[]> {
  return (await orm.em.fork().getConnection().execute(sql, params)) as R[]
}

/** A table name qualified with the ORM's schema when one is set (tests run in their own schema). */
export function tableName(orm: Orm, name: string): string {
  const schema = orm.config.get('schema')
  return schema ? `"${schema.replaceAll('"', '""')}"."${name}"` : `"${name}"`
}

/** One column of a batched write: object field, SQL column, SQL type (`json_to_recordset` needs it). */
export type RecordsetColumn<F extends string = string> = readonly [field: F, column: string, type: string]

/**
 * The SQL fragments of a batch written as ONE statement with ONE JSON
 * parameter (`insert ... select <fields> from json_to_recordset(?::json) as x(<record>)`):
 * target column list, selected fields, record definition, and the
 * `col = excluded.col` list for an upsert (all but `keep` columns).
 */
export function recordsetSql<F extends string>(columns: ReadonlyArray<RecordsetColumn<F>>, keep: readonly F[] = []) {
  return {
    columns: columns.map(([, col]) => `"${col}"`).join(', '),
    fields: columns.map(([field]) => `x."${field}"`).join(', '),
    record: columns.map(([field, , type]) => `"${field}" ${type}`).join(', '),
    updates: columns
      .filter(([field]) => !keep.includes(field))
      .map(([, col]) => `"${col}" = excluded."${col}"`)
      .join(', '),
  }
}

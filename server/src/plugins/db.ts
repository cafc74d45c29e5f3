import { basename, dirname } from 'node:path'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { DatabaseHistory } from '../history/database-history.ts'
import type { HistoryPolicy } from '../history/history.ts'
import { acquireDataDirLock, type DataDirLock } from '../storage/data-dir-lock.ts'
import { databaseSettings, driverOf, initOrm, migrateUp, type DatabaseSettings, type Orm } from '../storage/database.ts'
import { RetentionJob } from '../storage/retention.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** MikroORM on PostgreSQL (DATABASE_URL) or embedded PGlite (DATA_DIR). Always fork its `em`. */
    orm: Orm
    /** Periodic deletion of old rows; modules add their tasks. */
    retention: RetentionJob
  }
}

export interface DbPluginOptions {
  config: Config
  /** Tests: a schema of their own, or `memory://` PGlite. */
  settings?: Partial<Pick<DatabaseSettings, 'schema' | 'dataDir' | 'url'>>
  /** Retention run interval (default hourly). */
  retentionIntervalMs?: number
  /** An ORM opened (and closed) by the caller: tests share one PGlite boot between apps. */
  orm?: Orm
}

/**
 * The database: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR
 * (one process per data dir, enforced by a lock file). Migrates on start
 * unless MIGRATE_ON_START=false, and closes last on shutdown (registered
 * before the modules that write, so their final flushes still find it open).
 */
async function dbPlugin(app: FastifyInstance, opts: DbPluginOptions) {
  const { config } = opts
  const log = app.log.child({ room: 'db' })
  const retention = new RetentionJob({ intervalMs: opts.retentionIntervalMs ?? 3600_000, log })
  app.decorate('retention', retention)
  app.addHook('onReady', async () => retention.start())
  if (opts.orm !== undefined) {
    app.decorate('orm', opts.orm)
    app.addHook('onClose', async () => retention.stop())
    return
  }

  const settings: DatabaseSettings = {
    ...databaseSettings(config, { log: (message) => log.debug(message) }),
    ...opts.settings,
  }
  const driver = driverOf(settings)
  let lock: DataDirLock | undefined
  // DATA_DIR/pglite is locked by DATA_DIR/pglite.lock (the migrate CLI takes the same lock)
  if (driver === 'pglite' && !settings.dataDir.startsWith('memory:')) lock = acquireDataDirLock(dirname(settings.dataDir), `${basename(settings.dataDir)}.lock`)

  let orm: Orm
  try {
    orm = await initOrm(settings)
    if (config.MIGRATE_ON_START) {
      const applied = await migrateUp(orm, settings.schema)
      if (applied.length > 0) log.info({ applied }, 'database migrated')
    } else {
      const pending = await orm.migrator.getPending()
      if (pending.length > 0) log.warn({ pending: pending.map((m) => m.name) }, 'database has pending migrations (MIGRATE_ON_START=false): run `npm run migrate`')
    }
  } catch (err) {
    lock?.release()
    throw err
  }
  log.info({ driver, ...(driver === 'pglite' ? { dataDir: settings.dataDir } : {}) }, 'database ready')

  app.decorate('orm', orm)
  app.addHook('onClose', async () => {
    await retention.stop()
    try {
      await orm.close()
    } finally {
      lock?.release()
    }
  })
}

export default fp(dbPlugin, { name: 'switchboard-db', fastify: '5.x' })

/**
 * Channel history in this app's database: append failures are logged (at
 * most every 10 s), expired events are purged by the retention job.
 */
export function createDatabaseHistory(app: FastifyInstance, policyOfKey: (streamKey: string) => HistoryPolicy): DatabaseHistory {
  const history = new DatabaseHistory(app.orm, policyOfKey, {
    onAppendFailure: ({ err, failures }) =>
      app.log.warn({ err, failures }, 'history append failed: events went out live without a position; their streams start a new epoch'),
  })
  app.retention.add({ name: 'channel_message', run: () => history.purgeExpired() })
  return history
}

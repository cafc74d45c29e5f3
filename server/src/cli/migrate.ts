/**
 * `npm run migrate -- <command>`: database migrations against the configured
 * database (DATABASE_URL, else the PGlite cluster in DATA_DIR).
 *   up            apply pending migrations (default)
 *   down [--all]  revert the last migration, or all of them
 *   pending       list migrations not applied yet
 *   create [name] generate a migration from the entities' diff against the snapshot
 *   check         exit 1 when the entities differ from the snapshot (CI)
 */
import { loadConfig } from '../config.ts'
import { acquireDataDirLock } from '../storage/data-dir-lock.ts'
import { databaseSettings, driverOf, initOrm, migrateDown, migrateUp } from '../storage/database.ts'

const COMMANDS = ['up', 'down', 'pending', 'create', 'check']
const [command = 'up', ...args] = process.argv.slice(2)
if (!COMMANDS.includes(command)) {
  console.error(`unknown command "${command}" (up | down [--all] | pending | create [name] | check)`)
  process.exit(2)
}
const config = loadConfig(process.env)
const settings = databaseSettings(config, { log: (m) => console.log(m) })
const memory = config.DATA_DIR.startsWith('memory:')
const lock = driverOf(settings) === 'pglite' && !memory ? acquireDataDirLock(config.DATA_DIR) : undefined
const orm = await initOrm(settings)
let code = 0
try {
  switch (command) {
    case 'up': {
      const applied = await migrateUp(orm, settings.schema)
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply')
      break
    }
    case 'down': {
      const reverted = await migrateDown(orm, args.includes('--all') ? { to: 0 } : {})
      console.log(reverted.length ? `reverted: ${reverted.join(', ')}` : 'nothing to revert')
      break
    }
    case 'pending': {
      const pending = await orm.migrator.getPending()
      console.log(pending.length ? pending.map((m) => m.name).join('\n') : 'none')
      break
    }
    case 'create': {
      const name = args.find((a) => !a.startsWith('-'))
      const result = await orm.migrator.create(undefined, false, false, name)
      console.log(result.fileName ? `created ${result.fileName}` : 'no changes: entities match the snapshot')
      break
    }
    case 'check': {
      const changed = await orm.migrator.checkSchema()
      console.log(changed ? 'entities differ from the migrations snapshot: run `npm run migrate -- create`' : 'migrations are current')
      code = changed ? 1 : 0
      break
    }
    default:
      console.error(`unknown command "${command}" (up | down [--all] | pending | create [name] | check)`)
      code = 2
  }
} catch (err) {
  console.error(err instanceof Error ? err.message : err)
  code = 1
} finally {
  await orm.close()
  lock?.release()
}
process.exitCode = code

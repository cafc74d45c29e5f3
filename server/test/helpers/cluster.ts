import type { AppOverrides } from '../../src/app.ts'
import type { TestDatabase } from './database.ts'
import { publish, startServer, type TestServer } from './server.ts'
import { deletePrefix, REDIS_URL, testPrefix } from './redis.ts'

export interface TestCluster {
  prefix: string
  nodes: TestServer[]
  /** Starts one more instance on the same Redis and prefix. */
  add(env?: Record<string, string>, overrides?: AppOverrides): Promise<TestServer>
}

/**
 * N real listening apps (buildApp, port 0) in this process sharing one Redis
 * under a key prefix of their own; the prefix's keys are deleted at teardown.
 */
export async function startCluster(
  t: { teardown(fn: () => unknown): void },
  name: string,
  count: number,
  env: Record<string, string> = {},
): Promise<TestCluster> {
  const prefix = testPrefix(name)
  // registered first, so it runs after every app has closed (teardowns run in reverse order)
  t.teardown(() => deletePrefix(prefix))
  const nodes: TestServer[] = []
  const base = { REDIS_URL, REDIS_PREFIX: prefix, ...env }
  const add = async (more: Record<string, string> = {}, overrides: AppOverrides = {}) => {
    const node = await startServer(t, { INSTANCE_ID: `n${nodes.length + 1}`, ...base, ...more }, overrides)
    nodes.push(node)
    return node
  }
  for (let i = 0; i < count; i++) await add()
  return { prefix, nodes, add }
}

/**
 * Instances named `ids` sharing one Redis and one database (the test's ORM,
 * already migrated): for what crosses both, connection records written by one
 * instance and acted on by another.
 */
export async function startDatabaseCluster(
  t: { teardown(fn: () => unknown): void },
  name: string,
  db: TestDatabase,
  ids: string[],
  env: Record<string, string> = {},
): Promise<TestCluster> {
  const cluster = await startCluster(t, name, 0, { DATABASE_ENABLED: 'true', MIGRATE_ON_START: 'false', WRITER_FLUSH_MS: '20', ...env })
  for (const id of ids) await cluster.add({ INSTANCE_ID: id }, { orm: db.orm })
  return cluster
}

export { publish }

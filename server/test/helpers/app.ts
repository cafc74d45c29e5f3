import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { HistoryStore } from '../../src/history/history.ts'
import type { TokenClaims } from '../../src/plugins/auth.ts'
import type { TestDatabase } from './database.ts'

export interface TestApp {
  app: FastifyInstance
  url: string
  token(claims: TokenClaims): string
}

/**
 * The whole server (`buildApp`) with persistence on a test database (its ORM
 * shared, not reopened), listening on a random port.
 */
export async function persistenceApp(
  db: TestDatabase,
  env: Record<string, string> = {},
  opts: { history?: HistoryStore; logStream?: NodeJS.WritableStream } = {},
): Promise<TestApp> {
  const config = loadConfig({ LOG_LEVEL: 'silent', WRITER_FLUSH_MS: '20', INSTANCE_ID: 'test-instance', ...env })
  const app = await buildApp(config, {
    orm: db.orm,
    ...(opts.logStream ? { logStream: opts.logStream } : { logger: false }),
    ...(opts.history ? { history: opts.history } : {}),
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    token: (claims) => app.signToken(claims),
  }
}

/**
 * Resolves with `probe`'s value once `ok` accepts it: for state that lands
 * through the batched writers a moment after the act. Bounded; never a
 * timing assertion, only a wait.
 */
export async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (ok(value) || Date.now() > deadline) return value
    await new Promise((r) => setTimeout(r, 15))
  }
}

import type { FastifyInstance } from 'fastify'
import { createSigner } from 'fast-jwt'
import { buildApp, type AppOverrides } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'

export const TEST_SECRET = 'test-secret-0123456789-0123456789-abcdef'

export interface TestServer {
  app: FastifyInstance
  config: Config
  http: string
  ws: string
  /** Signs a token with the server's secret; `exp` in seconds from now (negative = expired). */
  token(claims: Record<string, unknown>, expSeconds?: number): string
  close(): Promise<void>
}

/**
 * A real listening server on a random port, on embedded defaults (memory bus,
 * no database), torn down by the test.
 */
export async function startServer(
  t: { teardown(fn: () => unknown): void },
  env: Record<string, string> = {},
  overrides: AppOverrides = {},
): Promise<TestServer> {
  const config = loadConfig({ JWT_SECRET: TEST_SECRET, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_ENABLED: 'false', ...env })
  const app = await buildApp(config, 'logger' in overrides || overrides.logStream ? overrides : { logger: false, ...overrides })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  // HS256 only: asymmetric-key tests sign their own tokens
  const sign = config.JWT_SECRET ? createSigner({ key: config.JWT_SECRET, algorithm: 'HS256' }) : () => {
    throw new Error('no JWT_SECRET: sign tokens in the test')
  }
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await app.close()
  }
  t.teardown(close)
  return {
    app,
    config,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    token: (claims, expSeconds = 3600) => sign({ ...claims, exp: Math.floor(Date.now() / 1000) + expSeconds }),
    close,
  }
}

export async function publish(server: TestServer, token: string, body: Record<string, unknown>, path = '/api/publish'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.http}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: await res.json() }
}

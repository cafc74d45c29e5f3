import type { FastifyBaseLogger } from 'fastify'
import { HttpProblem } from '../http-problem.ts'

/**
 * The SQLSTATE of a database error. node-postgres, PGlite and MikroORM's
 * DriverException (which copies the driver's) all carry it as `code`; Node's
 * own errors (ECONNRESET, ETIMEDOUT) are not five-character SQLSTATEs.
 */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/**
 * Class 22, data exception: the database refuses the values themselves (a NUL
 * in text or JSON 22P05/22021, a number or date out of range 22003/22008).
 * The same statement fails the same way every time, so retrying is pointless.
 */
export function isDataException(err: unknown): boolean {
  return sqlState(err)?.startsWith('22') ?? false
}

/**
 * Runs a database step of an HTTP request. A database that is down or failing
 * answers 503 UNAVAILABLE (temporary: retry later) instead of a 500, and the
 * cause goes to the log, not to the client. A value the database refuses is
 * the request's fault, not an outage: 400 INVALID_FRAME (the code of every
 * other bad query), logged at warn since a server-built value can cause it too.
 */
export async function orUnavailable<T>(log: Pick<FastifyBaseLogger, 'error' | 'warn'>, step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (err) {
    if (err instanceof HttpProblem) throw err
    if (isDataException(err)) {
      // the driver's message only: the error's other fields (`where`) can quote the values
      log.warn({ sqlState: sqlState(err), reason: (err as Error).message }, 'database refused a value of the request')
      throw new HttpProblem(400, 'INVALID_FRAME', 'A value in the request is out of the range or form the database accepts')
    }
    log.error({ err }, 'database step failed')
    throw new HttpProblem(503, 'UNAVAILABLE', 'The database is unavailable; try again shortly')
  }
}

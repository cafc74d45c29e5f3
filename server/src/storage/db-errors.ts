import type { FastifyBaseLogger } from 'fastify'
import { HttpProblem } from '../http-problem.ts'

/**
 * Runs a database step of an HTTP request. A database that is down or failing
 * answers 503 UNAVAILABLE (temporary: retry later) instead of a 500, and the
 * cause goes to the log, not to the client.
 */
export async function orUnavailable<T>(log: Pick<FastifyBaseLogger, 'error'>, step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (err) {
    if (err instanceof HttpProblem) throw err
    log.error({ err }, 'database step failed')
    throw new HttpProblem(503, 'UNAVAILABLE', 'The database is unavailable; try again shortly')
  }
}

import { ERROR_CODES, type ErrorCode } from '@switchboard/shared'
import type { FastifyError, FastifyInstance } from 'fastify'
import { HttpProblem } from './http-problem.ts'

const STATUS_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

const codeForStatus = (status: number): ErrorCode =>
  status === 401 ? 'NOT_AUTHENTICATED' : status === 403 ? 'FORBIDDEN' : status === 404 ? 'NOT_FOUND' : status === 429 ? 'RATE_LIMITED' : status === 503 ? 'UNAVAILABLE' : status >= 500 ? 'INTERNAL' : 'INVALID_FRAME'

/**
 * Every HTTP error leaves as `{statusCode, code, error, message, details?}`
 * with a code from shared/src/errors.ts; a 5xx never leaks its internals.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpProblem, request, reply) => {
    if (err instanceof HttpProblem) {
      return reply.code(err.statusCode).send({
        statusCode: err.statusCode,
        code: err.code,
        error: STATUS_NAMES[err.statusCode] ?? 'Error',
        message: err.message,
        ...(err.details ? { details: err.details } : {}),
      })
    }
    const fe = err as FastifyError
    if (fe.validation) {
      const details = fe.validation.slice(0, 20).map((v) => ({ path: `/${fe.validationContext ?? 'body'}${v.instancePath ?? ''}`, message: v.message ?? 'invalid' }))
      return reply.code(400).send({ statusCode: 400, code: 'INVALID_FRAME', error: 'Bad Request', message: fe.message, details })
    }
    const status = fe.statusCode !== undefined && fe.statusCode >= 400 ? fe.statusCode : 500
    if (status >= 500) {
      request.log.error({ err }, 'request failed')
      return reply.code(status).send({ statusCode: status, code: codeForStatus(status), error: STATUS_NAMES[status] ?? 'Error', message: ERROR_CODES.INTERNAL.message })
    }
    const code: ErrorCode = fe.code === 'TOO_DEEP' ? 'TOO_DEEP' : fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'MALFORMED_JSON' : codeForStatus(status)
    return reply.code(status).send({ statusCode: status, code, error: STATUS_NAMES[status] ?? 'Error', message: fe.message })
  })
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: `Route ${request.method} ${request.url.split('?')[0]} not found` })
  })
}

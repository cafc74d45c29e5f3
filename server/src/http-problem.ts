import type { ErrorCode } from '@switchboard/shared'

export interface ProblemDetail {
  path: string
  message: string
}

/**
 * An HTTP error as data: the app's error handler turns it into
 * `{statusCode, code, error, message, details?}` (shared/src/http HttpErrorSchema).
 */
export class HttpProblem extends Error {
  override name = 'HttpProblem'
  readonly statusCode: number
  readonly code: ErrorCode
  readonly details: ProblemDetail[] | undefined

  constructor(statusCode: number, code: ErrorCode, message: string, details?: ProblemDetail[]) {
    super(message)
    this.statusCode = statusCode
    this.code = code
    this.details = details
  }
}

import type { ErrorCode } from '../errors.ts'
import type { AuthErrorFrame, ErrorFrame } from '../frames/server-frames.ts'

/**
 * Codes the client itself produces, next to the server's ERROR_CODES:
 * TIMEOUT (no reply within the request timeout), DISCONNECTED (the socket
 * went away before the reply; the client reconnects), CLOSED (the client was
 * closed for good), NOT_CONNECTED (a request needs a live authenticated socket).
 */
export type ClientErrorCode = ErrorCode | 'TIMEOUT' | 'DISCONNECTED' | 'CLOSED' | 'NOT_CONNECTED'

export interface ClientErrorInit {
  code: ClientErrorCode
  message: string
  temporary: boolean
  id?: string
  ref?: string
  details?: { path: string; message: string }[]
}

/** A rejected request, carrying the server's error envelope fields when there is one. */
export class ClientError extends Error {
  override name = 'SwitchboardClientError'
  readonly code: ClientErrorCode
  readonly temporary: boolean
  readonly id: string | undefined
  readonly ref: string | undefined
  readonly details: { path: string; message: string }[] | undefined

  constructor(init: ClientErrorInit) {
    super(init.message)
    this.code = init.code
    this.temporary = init.temporary
    this.id = init.id
    this.ref = init.ref
    this.details = init.details
  }

  static fromFrame(frame: ErrorFrame | AuthErrorFrame): ClientError {
    if (frame.type === 'auth_error') return new ClientError({ code: frame.code, message: frame.message, temporary: false, id: frame.id })
    const { code, message, temporary, id, ref, details } = frame
    return new ClientError({ code, message, temporary, id, ref, details })
  }
}

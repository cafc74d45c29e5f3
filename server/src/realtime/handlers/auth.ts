import { CLOSE_CODES, type AuthFrame } from '@switchboard/shared'
import { completeAuthentication, sendAuthSuccess } from '../authenticate.ts'
import type { FrameHandler } from '../dispatch.ts'

/**
 * First `auth` authenticates; a later one refreshes the token of a live
 * connection (same user and tenant only), pushing its expiry forward.
 */
export const authHandler: FrameHandler<AuthFrame> = {
  requiresAuth: false,
  handle(ctx, c, frame) {
    const result = ctx.verifyToken(frame.token)
    const current = c.principal
    if (!result.ok) {
      c.send({ type: 'auth_error', id: frame.id, code: result.code, message: result.message })
      ctx.countRejected(result.code)
      // a failed refresh leaves a live connection as it was: its old token still rules
      if (current === null) c.close(CLOSE_CODES.AUTH_FAILED, 'authentication failed')
      return
    }
    if (current === null) return completeAuthentication(ctx, c, result.principal, frame.id)
    const next = result.principal
    if (next.user !== current.user || next.tenant !== current.tenant) {
      c.sendError('IDENTITY_MISMATCH', 'A refreshed token must name the same user and tenant', frame.id)
      ctx.countRejected('IDENTITY_MISMATCH')
      return
    }
    if (next.roles.join('\0') === current.roles.join('\0') && next.isAdmin === current.isAdmin) ctx.hub.setPrincipal(c, next)
    else {
      const dropped = ctx.hub.rebind(c, next, (channel) => ctx.channelAccess(next, channel) === null)
      if (dropped.length > 0) ctx.hub.notify('unsubscribed', c, dropped)
    }
    sendAuthSuccess(c, next, frame.id)
  },
}

import { CLOSE_CODES } from '@switchboard/shared'
import type { Principal } from '../plugins/auth.ts'
import type { Connection } from './connection.ts'
import type { RealtimeContext } from './context.ts'
import { roomLabels } from './rooms.ts'

/**
 * Makes a connection authenticated: per-user cap, identity rooms, observers,
 * then `auth_success`. Shared by the `auth` frame and `/ws/connect?token=`.
 */
export function completeAuthentication(ctx: RealtimeContext, c: Connection, principal: Principal, requestId: string | undefined): boolean {
  if (ctx.hub.userConnectionCount(principal.tenant, principal.user) >= ctx.settings.maxConnectionsPerUser) {
    c.close(CLOSE_CODES.TOO_MANY_CONNECTIONS, 'too many connections for this user')
    return false
  }
  c.principal = principal
  c.authenticatedAt = new Date()
  ctx.hub.joinIdentityRooms(c)
  ctx.hub.notify('authenticated', c)
  sendAuthSuccess(c, principal, requestId)
  return true
}

export function sendAuthSuccess(c: Connection, p: Principal, requestId: string | undefined): void {
  c.send({
    type: 'auth_success',
    ...(requestId === undefined ? {} : { id: requestId }),
    connectionId: c.id,
    user: p.user,
    tenant: p.tenant,
    roles: p.roles,
    expiresAt: p.expiresAt === null ? null : new Date(p.expiresAt).toISOString(),
    rooms: roomLabels(p.tenant, p.user, p.roles),
  })
}

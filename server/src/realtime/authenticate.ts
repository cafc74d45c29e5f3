import { CLOSE_CODES } from '@switchboard/shared'
import type { Principal } from '../plugins/auth.ts'
import type { Connection } from './connection.ts'
import type { RealtimeContext } from './context.ts'
import { roomLabels } from './rooms.ts'

/**
 * Makes a connection authenticated: per-user cap, identity rooms, observers,
 * then `auth_success`. Shared by the `auth` frame and `/ws/connect?token=`.
 *
 * In a cluster, `auth_success` waits (bounded) for two things: the cluster-wide
 * per-user cap (`ctx.admission`), and the bus receiving the traffic of the rooms
 * just joined (`ctx.routingSettled`), so that an event published after the
 * client saw `auth_success` reaches it whatever instance published it. Alone
 * (memory bus) neither exists and the reply is synchronous, as before.
 */
export function completeAuthentication(ctx: RealtimeContext, c: Connection, principal: Principal, requestId: string | undefined): Promise<void> | undefined {
  if (ctx.hub.userConnectionCount(principal.tenant, principal.user) >= ctx.settings.maxConnectionsPerUser) {
    c.close(CLOSE_CODES.TOO_MANY_CONNECTIONS, 'too many connections for this user')
    return undefined
  }
  ctx.hub.setPrincipal(c, principal)
  c.authenticatedAt = Date.now()
  ctx.hub.joinIdentityRooms(c)
  ctx.hub.notify('authenticated', c)
  const admitted = ctx.admission?.(c)
  const settled = ctx.routingSettled()
  if (admitted === undefined && settled === undefined) {
    sendAuthSuccess(c, principal, requestId)
    return undefined
  }
  // neither promise rejects by contract (admission fails open, settling is bounded); the `auth`
  // frame's handler returns this, so the connection's later requests are answered after it
  return Promise.all([admitted, settled]).then(([ok]) => {
    if (ok === false) c.close(CLOSE_CODES.TOO_MANY_CONNECTIONS, 'too many connections for this user')
    else if (c.principal !== null) sendAuthSuccess(c, c.principal, requestId)
  })
}

export function sendAuthSuccess(c: Connection, p: Principal, requestId: string | undefined): void {
  c.send({
    type: 'auth_success',
    id: requestId,
    connectionId: c.id,
    user: p.user,
    tenant: p.tenant,
    // serialised at once, never kept: the principal's shared frozen list needs no copy
    roles: p.roles as string[],
    expiresAt: p.expiresAt === null ? null : new Date(p.expiresAt).toISOString(),
    rooms: roomLabels(p.tenant, p.user, p.roles),
  })
}

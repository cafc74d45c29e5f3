import type { FastifyBaseLogger } from 'fastify'
import type { ConnectionInfo, ConnectionObserver } from '../../realtime/connection-observer.ts'
import type { Publisher } from '../publish/publisher.ts'

/**
 * Tells operators live when a tenant's client connects or leaves: a
 * `connection-status` event on the tenant's `admin-dashboard` channel (which a
 * global admin watches for every tenant). Unauthenticated sockets are not
 * announced: they belong to no tenant yet.
 */
export function connectionStatusAnnouncer(publisher: Publisher, log: FastifyBaseLogger): ConnectionObserver {
  const announce = (c: ConnectionInfo, connected: boolean, code?: number, reason?: string) => {
    if (c.tenant === undefined) return
    publisher
      .publish({
        type: 'connection-status',
        data: {
          connected,
          connectionId: c.id,
          user: c.user,
          tenant: c.tenant,
          ...(code === undefined ? {} : { code }),
          ...(reason ? { reason: reason.slice(0, 256) } : {}),
        },
        target: { kind: 'channel', tenant: c.tenant, channel: 'admin-dashboard' },
      })
      .catch((err: unknown) => log.warn({ err, connectionId: c.id }, 'connection-status not announced'))
  }
  return {
    authenticated: (c) => announce(c, true),
    closed: (c, code, reason) => {
      if (c.authenticatedAt !== undefined) announce(c, false, code, reason)
    },
  }
}

import type { FastifyBaseLogger } from 'fastify'
import type { ConnectionInfo, ConnectionObserver } from '../../realtime/connection-observer.ts'
import type { Publisher } from '../publish/publisher.ts'

/**
 * Tells operators live when a tenant's client connects or leaves: a
 * `connection-status` event on the tenant's `admin-dashboard` channel (which a
 * global admin watches for every tenant). Unauthenticated sockets are not
 * announced: they belong to no tenant yet. `heard(tenant)` false means no one
 * can receive the announcement (nor read it later from history): it is skipped.
 */
export function connectionStatusAnnouncer(publisher: Publisher, log: FastifyBaseLogger, heard: (tenant: string) => boolean = () => true): ConnectionObserver {
  const announce = (c: ConnectionInfo, connected: boolean, code?: number, reason?: string) => {
    if (c.tenant === undefined || !heard(c.tenant)) return
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

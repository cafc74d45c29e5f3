import {
  ChannelPresenceParamsSchema,
  ChannelPresenceSchema,
  CLOSE_CODES,
  DisconnectBodySchema,
  DisconnectResponseSchema,
  LiveConnectionListSchema,
  LiveConnectionQuerySchema,
  TenantDisconnectParamsSchema,
  UserDisconnectParamsSchema,
  UserPresenceParamsSchema,
  UserPresenceQuerySchema,
  type DisconnectBody,
  type LiveConnectionQuery,
} from '@switchboard/shared'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { PresenceStore } from '../../cluster/presence-store.ts'
import type { ClusterRegistry } from '../../cluster/registry.ts'
import { HttpProblem } from '../../http-problem.ts'
import { operatorScope, tenantFilter, type TenantScope } from '../../http-scope.ts'
import { auditDraft } from '../logs/log-record.ts'
import type { DisconnectService } from './disconnect-service.ts'

export interface ClusterRoutesOptions {
  registry: ClusterRegistry
  presence: PresenceStore
  presenceEnabled(channel: string): boolean
  disconnects: DisconnectService
}

/**
 * Cluster-wide operator APIs: live connections from the registry, forced
 * disconnects of a user or a tenant (4005 REVOKED, wherever the sockets
 * are), and presence for backends. Admin: any tenant; tenant admin: its own;
 * services may read (connections, presence) but not disconnect.
 */
export async function clusterRoutes(app: FastifyInstance, opts: ClusterRoutesOptions): Promise<void> {
  const { registry, presence, disconnects } = opts

  app.get<{ Querystring: LiveConnectionQuery }>(
    '/api/cluster/connections',
    { preHandler: app.authenticate, schema: { querystring: LiveConnectionQuerySchema, response: { 200: LiveConnectionListSchema } } },
    async (request) => {
      const scope = operatorScope(request.principal, { allowService: true })
      const q = request.query
      return unavailableOnError(() => registry.connections({ tenant: tenantFilter(scope, q.tenant), user: q.user, limit: q.limit ?? 100 }))
    },
  )

  app.post<{ Params: { tenant: string; user: string }; Body: DisconnectBody }>(
    '/api/websocket/users/:tenant/:user/disconnect',
    { preHandler: app.authenticate, schema: { params: UserDisconnectParamsSchema, body: DisconnectBodySchema, response: { 200: DisconnectResponseSchema } } },
    async (request) => {
      const { tenant, user } = request.params
      const scope = operatorScope(request.principal, { allowService: false })
      tenantFilter(scope, tenant)
      const reason = request.body?.reason ?? 'access revoked'
      const { connections, revoked } = await disconnects.user(tenant, user, reason, request.body?.revokeTokens ?? true)
      await audit(app, request, scope, {
        tenant,
        target: `user:${user}`,
        action: 'disconnect-user',
        message: `${connections} connection(s) of ${user} closed${revoked ? ', tokens revoked' : ''}: ${reason}`,
      })
      return {
        success: true,
        message: `Every connection of ${user} is being closed (${CLOSE_CODES.REVOKED}: the client must not reconnect with the same credentials)`,
        data: { tenant, user, connections, code: CLOSE_CODES.REVOKED, ...revokedFields(revoked) },
      }
    },
  )

  app.post<{ Params: { tenant: string }; Body: DisconnectBody }>(
    '/api/websocket/tenants/:tenant/disconnect',
    { preHandler: app.authenticate, schema: { params: TenantDisconnectParamsSchema, body: DisconnectBodySchema, response: { 200: DisconnectResponseSchema } } },
    async (request) => {
      const { tenant } = request.params
      const scope = operatorScope(request.principal, { allowService: false })
      tenantFilter(scope, tenant)
      const reason = request.body?.reason ?? 'tenant disabled'
      const { connections, revoked } = await disconnects.tenant(tenant, reason, request.body?.revokeTokens ?? true)
      await audit(app, request, scope, {
        tenant,
        target: `tenant:${tenant}`,
        action: 'disconnect-tenant',
        message: `${connections} connection(s) closed${revoked ? ', tokens revoked' : ''}: ${reason}`,
      })
      return {
        success: true,
        message: `Every connection of tenant ${tenant} is being closed (${CLOSE_CODES.REVOKED})`,
        data: { tenant, connections, code: CLOSE_CODES.REVOKED, ...revokedFields(revoked) },
      }
    },
  )

  app.get<{ Params: { tenant: string; channel: string } }>(
    '/api/presence/:tenant/channels/:channel',
    { preHandler: app.authenticate, schema: { params: ChannelPresenceParamsSchema, response: { 200: ChannelPresenceSchema } } },
    async (request) => {
      const { tenant, channel } = request.params
      tenantFilter(operatorScope(request.principal, { allowService: true }), tenant)
      if (!opts.presenceEnabled(channel)) throw new HttpProblem(400, 'PRESENCE_DISABLED', `Presence is not enabled on "${channel}"`)
      const p = await unavailableOnError(() => presence.channel(tenant, channel))
      return { tenant, channel, ...p }
    },
  )

  app.get<{ Params: { tenant: string }; Querystring: { users: string } }>(
    '/api/presence/:tenant/users',
    { preHandler: app.authenticate, schema: { params: UserPresenceParamsSchema, querystring: UserPresenceQuerySchema } },
    async (request) => {
      const { tenant } = request.params
      tenantFilter(operatorScope(request.principal, { allowService: true }), tenant)
      const users = [...new Set(request.query.users.split(',').map((u) => u.trim()).filter(Boolean))]
      if (users.length === 0 || users.length > 100) throw new HttpProblem(400, 'INVALID_FRAME', 'users: 1 to 100 comma-separated ids')
      return { tenant, online: await unavailableOnError(() => presence.online(tenant, users)) }
    },
  )
}

function revokedFields(revoked: { before: number; until: number } | undefined): { revokedBefore?: string; revokedUntil?: string } {
  return revoked ? { revokedBefore: new Date(revoked.before).toISOString(), revokedUntil: new Date(revoked.until).toISOString() } : {}
}

async function unavailableOnError<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op()
  } catch (err) {
    if (err instanceof HttpProblem) throw err
    throw new HttpProblem(503, 'UNAVAILABLE', `Cluster registry unavailable: ${(err as Error).message}`)
  }
}

/** Audit of a manual action, when the logs module runs (database enabled). */
async function audit(
  app: FastifyInstance,
  request: FastifyRequest,
  scope: TenantScope,
  entry: { tenant: string; target: string; action: string; message: string },
): Promise<void> {
  if (!app.hasDecorator('websocketLog')) return
  const p = scope.principal
  try {
    await app.websocketLog.audit(
      auditDraft({
        connectionId: entry.target.slice(0, 64),
        tenant: entry.tenant,
        action: entry.action,
        message: entry.message,
        actor: { user: p.user, tenant: p.tenant, roles: p.roles, ip: request.ip, userAgent: request.headers['user-agent'] },
        metadata: {},
      }),
    )
  } catch (err) {
    // the order is out already; a missing audit row must not turn it into an error
    request.log.warn({ err }, 'audit of a disconnect could not be written')
  }
}

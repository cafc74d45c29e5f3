import {
  ConnectionActionParamsSchema,
  ConnectionActionResponseSchema,
  ConnectionIdParamsSchema,
  ConnectionListQuerySchema,
  ConnectionListResponseSchema,
  ConnectionRecordSchema,
  type ConnectionAction,
  type ConnectionListQuery,
} from '@switchboard/shared'
import type { FastifyInstance } from 'fastify'
import { HttpProblem } from '../../http-problem.ts'
import { inScope, operatorScope, tenantFilter } from '../../http-scope.ts'
import type { ConnectionInfo } from '../../realtime/connection-observer.ts'
import { orUnavailable } from '../../storage/db-errors.ts'
import type { ConnectionActions } from './connection-actions.ts'
import { toRecord } from './connection-snapshot.ts'
import type { ConnectionRepository } from './connection.repository.ts'

export interface ConnectionRoutesOptions {
  repo: ConnectionRepository
  actions: ConnectionActions
  /** The live connection when it is held by this instance (fresher counters than the row). */
  local(connectionId: string): ConnectionInfo | undefined
}

/** Reference 000's connection registry and control API; operators only, tenant-scoped unless admin. */
export async function connectionRoutes(app: FastifyInstance, opts: ConnectionRoutesOptions): Promise<void> {
  const { repo, actions, local } = opts

  app.get<{ Querystring: ConnectionListQuery }>(
    '/api/websocket/connections',
    { preHandler: app.authenticate, schema: { querystring: ConnectionListQuerySchema, response: { 200: ConnectionListResponseSchema } } },
    async (request) => {
      const scope = operatorScope(request.principal, { allowService: true })
      const q = request.query
      const page = q.page ?? 1
      const limit = q.limit ?? 50
      const tenant = tenantFilter(scope, q.tenant)
      const { items, total } = await orUnavailable(request.log, () =>
        repo.list(
          {
            ...(q.status ? { status: q.status } : {}),
            ...(q.type ? { type: q.type } : {}),
            ...(tenant === undefined ? {} : { tenant }),
            ...(q.user ? { user: q.user } : {}),
          },
          { limit, offset: (page - 1) * limit },
        ),
      )
      return { items: items.map((row) => toRecord(row, local(row.id))), total, page, limit }
    },
  )

  app.get<{ Params: { id: string } }>(
    '/api/websocket/connections/:id',
    { preHandler: app.authenticate, schema: { params: ConnectionIdParamsSchema, response: { 200: ConnectionRecordSchema } } },
    async (request) => {
      const scope = operatorScope(request.principal, { allowService: true })
      const row = await orUnavailable(request.log, () => repo.get(request.params.id))
      if (row === null || !inScope(scope, row.tenant)) throw new HttpProblem(404, 'NOT_FOUND', `No connection ${request.params.id}`)
      return toRecord(row, local(row.id))
    },
  )

  app.post<{ Params: { connectionId: string; action: ConnectionAction } }>(
    '/api/websocket/:connectionId/:action',
    {
      preHandler: app.authenticate,
      schema: { params: ConnectionActionParamsSchema, response: { 200: ConnectionActionResponseSchema } },
    },
    async (request) => {
      // Acting on connections is for operators of the tenant, not for publishing backends.
      const scope = operatorScope(request.principal, { allowService: false })
      const p = scope.principal
      const actor = { user: p.user, tenant: p.tenant, roles: p.roles, ip: request.ip, userAgent: request.headers['user-agent'] }
      return orUnavailable(request.log, () => actions.run(request.params.connectionId, request.params.action, actor, scope))
    },
  )
}

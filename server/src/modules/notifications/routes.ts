import {
  CreateNotificationBodySchema,
  NotificationDeleteResponseSchema,
  NotificationDtoSchema,
  NotificationIdParamsSchema,
  NotificationListQuerySchema,
  NotificationListResponseSchema,
  NotificationReadAllResponseSchema,
  NotificationReadResponseSchema,
  UnreadCountResponseSchema,
  type CreateNotificationBody,
  type NotificationListQuery,
} from '@switchboard/shared'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { HttpProblem } from '../../http-problem.ts'
import { operatorScope, tenantFilter } from '../../http-scope.ts'
import { orUnavailable } from '../../storage/db-errors.ts'
import type { Owner } from './notification.repository.ts'
import type { NotificationService } from './notification.service.ts'

/** The caller's own notifications: always the token's user within the token's tenant. */
function ownerOf(request: FastifyRequest): Owner {
  const p = request.principal
  if (p === null) throw new HttpProblem(401, 'NOT_AUTHENTICATED', 'Authorization: Bearer <token> required')
  return { tenant: p.tenant, userId: p.user }
}

/** Reference 004's REST fallback (same paths), plus a creation endpoint for backends. */
export async function notificationRoutes(app: FastifyInstance, opts: { service: NotificationService }): Promise<void> {
  const { service } = opts

  app.get<{ Querystring: NotificationListQuery }>(
    '/api/v1/notifications',
    { preHandler: app.authenticate, schema: { querystring: NotificationListQuerySchema, response: { 200: NotificationListResponseSchema } } },
    async (request) => {
      const owner = ownerOf(request)
      return orUnavailable(request.log, () =>
        service.list(owner, { unreadOnly: request.query.unreadOnly ?? false, limit: request.query.limit ?? 50 }),
      )
    },
  )

  app.get(
    '/api/v1/notifications/unread/count',
    { preHandler: app.authenticate, schema: { response: { 200: UnreadCountResponseSchema } } },
    async (request) => {
      const owner = ownerOf(request)
      return { count: await orUnavailable(request.log, () => service.unreadCount(owner)) }
    },
  )

  app.post(
    '/api/v1/notifications/read-all',
    { preHandler: app.authenticate, schema: { response: { 200: NotificationReadAllResponseSchema } } },
    async (request) => {
      const owner = ownerOf(request)
      return { success: true, updated: await orUnavailable(request.log, () => service.markAllRead(owner)) }
    },
  )

  app.post<{ Params: { id: string } }>(
    '/api/v1/notifications/:id/read',
    { preHandler: app.authenticate, schema: { params: NotificationIdParamsSchema, response: { 200: NotificationReadResponseSchema } } },
    async (request) => {
      const owner = ownerOf(request)
      const result = await orUnavailable(request.log, () => service.markRead(owner, request.params.id))
      if (result === null) throw new HttpProblem(404, 'NOT_FOUND', `No notification ${request.params.id}`)
      return { success: true, notificationId: request.params.id, readAt: result.readAt.toISOString() }
    },
  )

  app.delete<{ Params: { id: string } }>(
    '/api/v1/notifications/:id',
    { preHandler: app.authenticate, schema: { params: NotificationIdParamsSchema, response: { 200: NotificationDeleteResponseSchema } } },
    async (request) => {
      const owner = ownerOf(request)
      const deleted = await orUnavailable(request.log, () => service.delete(owner, request.params.id))
      if (!deleted) throw new HttpProblem(404, 'NOT_FOUND', `No notification ${request.params.id}`)
      return { success: true, notificationId: request.params.id }
    },
  )

  app.post<{ Body: CreateNotificationBody }>(
    '/api/v1/notifications',
    { preHandler: app.authenticate, schema: { body: CreateNotificationBodySchema, response: { 201: NotificationDtoSchema } } },
    async (request, reply) => {
      const scope = operatorScope(request.principal, { allowService: true })
      const body = request.body
      const tenant = tenantFilter(scope, body.tenant) ?? scope.principal.tenant
      const created = await orUnavailable(request.log, () =>
        service.create({
          tenant,
          userId: body.userId,
          type: body.type,
          category: body.category,
          title: body.title,
          message: body.message,
          data: body.data,
          actionUrl: body.actionUrl,
        }),
      )
      return reply.code(201).send(created)
    },
  )
}

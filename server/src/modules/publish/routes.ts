import { CatalogResponseSchema, PublishBodySchema, PublishResponseSchema, type PublishBody } from '@switchboard/shared'
import type { FastifyInstance } from 'fastify'
import { HttpProblem } from '../../http-problem.ts'
import { describeTarget, type Target } from '../../realtime/event.ts'

/**
 * `POST /api/publish` for backends: a service, tenant admin or admin token;
 * only `admin` may publish to a tenant other than its own. `GET /api/catalog`
 * says what may be published: every event type with its data schema.
 */
export async function publishRoutes(app: FastifyInstance): Promise<void> {
  // the same for every caller and for the life of the process: serialised once
  let catalog: string | undefined
  app.get('/api/catalog', { preHandler: app.authenticate, schema: { response: { 200: CatalogResponseSchema } } }, async (_request, reply) => {
    catalog ??= JSON.stringify({ types: app.catalog.entries() })
    return reply.type('application/json').send(catalog)
  })

  app.post<{ Body: PublishBody }>(
    '/api/publish',
    {
      preHandler: app.authenticate,
      schema: { body: PublishBodySchema, response: { 200: PublishResponseSchema } },
    },
    async (request, reply) => {
      const p = request.principal!
      const body = request.body
      if (!p.isAdmin && !p.isService && !p.isTenantAdmin) {
        throw new HttpProblem(403, 'FORBIDDEN', 'Publishing needs a service, tenant admin or admin role')
      }
      if (!p.isAdmin && body.tenant !== p.tenant) {
        throw new HttpProblem(403, 'FORBIDDEN', 'Only admin may publish to another tenant')
      }
      // PUBLISH_RATE_PER_TENANT holds across instances (Redis) when REDIS_URL is set
      const rate = app.hasDecorator('cluster') ? app.cluster.publishRate : undefined
      if (rate !== undefined && !(await rate.take(body.tenant))) {
        reply.header('retry-after', '1')
        throw new HttpProblem(429, 'RATE_LIMITED', `Tenant ${body.tenant} reached its publish rate; retry in a second`)
      }
      const narrowing = [body.channel, body.user, body.role].filter((v) => v !== undefined).length
      if (narrowing > 1) throw new HttpProblem(400, 'INVALID_FRAME', 'Give at most one of channel, user and role')
      const target: Target =
        body.channel !== undefined
          ? { kind: 'channel', tenant: body.tenant, channel: body.channel }
          : body.user !== undefined
            ? { kind: 'user', tenant: body.tenant, user: body.user }
            : body.role !== undefined
              ? { kind: 'role', tenant: body.tenant, role: body.role }
              : { kind: 'tenant', tenant: body.tenant }
      const event = await app.publisher.publish({ type: body.type, data: body.data, target })
      app.metrics.publishes.inc({ type: event.type })
      return {
        id: event.id,
        type: event.type,
        ts: event.ts,
        tenant: body.tenant,
        target: describeTarget(target),
        ...(event.offset === undefined ? {} : { offset: event.offset, epoch: event.epoch }),
      }
    },
  )
}

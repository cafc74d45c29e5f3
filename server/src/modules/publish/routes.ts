import {
  CatalogResponseSchema,
  PublishBatchBodySchema,
  PublishBatchResponseSchema,
  PublishBodySchema,
  PublishResponseSchema,
  type PublishBatchBody,
  type PublishBody,
  type PublishResponse,
} from '@switchboard/shared'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { HttpProblem } from '../../http-problem.ts'
import { requestedTenant } from '../../http-scope.ts'
import type { Principal } from '../../plugins/auth.ts'
import type { HubEvent, Target } from '../../realtime/event.ts'
import { describeTarget } from '../../realtime/event.ts'

/**
 * `POST /api/publish` for backends: a service, tenant admin or admin token;
 * only `admin` may publish to a tenant other than its own.
 * `POST /api/publish/batch` carries up to PUBLISH_BATCH_MAX events under the
 * same rules, for backends that publish many small events (one request, one
 * token check, one answer). `GET /api/catalog` says what may be published:
 * every event type with its data schema.
 */
export async function publishRoutes(app: FastifyInstance): Promise<void> {
  // the same for every caller and for the life of the process: serialised once
  let catalog: string | undefined
  app.get('/api/catalog', { preHandler: app.authenticate, schema: { response: { 200: CatalogResponseSchema } } }, async (_request, reply) => {
    catalog ??= JSON.stringify({ types: app.catalog.entries() })
    return reply.type('application/json').send(catalog)
  })

  /** PUBLISH_RATE_PER_TENANT holds across instances (Redis) when REDIS_URL is set. */
  async function takeRate(reply: FastifyReply, tenant: string, count: number): Promise<void> {
    const rate = app.hasDecorator('cluster') ? app.cluster.publishRate : undefined
    if (rate !== undefined && !(await rate.take(tenant, count))) {
      reply.header('retry-after', '1')
      throw new HttpProblem(429, 'RATE_LIMITED', `Tenant ${tenant} reached its publish rate; retry in a second`)
    }
  }

  async function publishOne(body: PublishBody, target: Target): Promise<PublishResponse> {
    const event = await app.publisher.publish({ type: body.type, data: body.data, target })
    app.metrics.publishes.add(event.type)
    return answer(body, target, event)
  }

  /** The answer leaves once this turn's pushes are written (write-batch.ts says why). */
  async function afterWrites<T>(answer: T): Promise<T> {
    const written = app.realtime.writes.written()
    if (written !== undefined) await written
    return answer
  }

  app.post<{ Body: PublishBody }>(
    '/api/publish',
    {
      config: { nulAllowed: true }, // delivered as sent; JSON carries it
      preHandler: app.authenticate,
      schema: { body: PublishBodySchema, response: { 200: PublishResponseSchema } },
    },
    async (request, reply) => {
      const body = request.body
      requestedTenant(body.tenant)
      mayPublish(request.principal!, body.tenant)
      await takeRate(reply, body.tenant, 1)
      return afterWrites(await publishOne(body, targetOf(body)))
    },
  )

  app.post<{ Body: PublishBatchBody }>(
    '/api/publish/batch',
    {
      config: { nulAllowed: true },
      preHandler: app.authenticate,
      schema: { body: PublishBatchBodySchema, response: { 200: PublishBatchResponseSchema } },
    },
    async (request, reply) => {
      const p = request.principal!
      const { events } = request.body
      // every event is checked before the first is sent: a refused batch sends nothing
      const targets = events.map((body, i) => {
        requestedTenant(body.tenant)
        mayPublish(p, body.tenant)
        const problem = app.publisher.check(body, `/events/${i}`)
        if (problem !== null) throw problem
        return targetOf(body, i)
      })
      const perTenant = new Map<string, number>()
      for (const e of events) perTenant.set(e.tenant, (perTenant.get(e.tenant) ?? 0) + 1)
      for (const [tenant, count] of perTenant) await takeRate(reply, tenant, count)

      // in order, one after the other: a channel sees the batch's events in the batch's order
      const answers: PublishResponse[] = []
      for (let i = 0; i < events.length; i++) {
        try {
          answers.push(await publishOne(events[i]!, targets[i]!))
        } catch (err) {
          if (!(err instanceof HttpProblem) || answers.length === 0) throw err
          // the first `i` went out: say exactly which did not, so a retry sends those only
          throw new HttpProblem(err.statusCode, err.code, `${err.message}; ${i} of ${events.length} events were published`, [
            ...events.slice(i).map((_, k) => ({ path: `/events/${i + k}`, message: 'not published' })),
          ])
        }
      }
      return afterWrites({ events: answers })
    },
  )
}

/** Publishing needs a service, tenant admin or admin role; only admin crosses tenants. */
function mayPublish(p: Principal, tenant: string): void {
  if (!p.isAdmin && !p.isService && !p.isTenantAdmin) {
    throw new HttpProblem(403, 'FORBIDDEN', 'Publishing needs a service, tenant admin or admin role')
  }
  if (!p.isAdmin && tenant !== p.tenant) {
    throw new HttpProblem(403, 'FORBIDDEN', 'Only admin may publish to another tenant')
  }
}

/** No channel, user or role: the whole tenant; at most one of them narrows it. */
function targetOf(body: PublishBody, index?: number): Target {
  const narrowing = [body.channel, body.user, body.role].filter((v) => v !== undefined).length
  if (narrowing > 1) {
    const where = index === undefined ? '' : ` (event ${index})`
    throw new HttpProblem(400, 'INVALID_FRAME', `Give at most one of channel, user and role${where}`)
  }
  if (body.channel !== undefined) return { kind: 'channel', tenant: body.tenant, channel: body.channel }
  if (body.user !== undefined) return { kind: 'user', tenant: body.tenant, user: body.user }
  if (body.role !== undefined) return { kind: 'role', tenant: body.tenant, role: body.role }
  return { kind: 'tenant', tenant: body.tenant }
}

/** Fixed shape: the response serialiser leaves out `offset`/`epoch` when the channel keeps no history. */
function answer(body: PublishBody, target: Target, event: HubEvent): PublishResponse {
  return {
    id: event.id,
    type: event.type,
    ts: event.ts,
    tenant: body.tenant,
    target: describeTarget(target),
    offset: event.offset,
    epoch: event.offset === undefined ? undefined : event.epoch,
  }
}

import {
  IngestLogsBodySchema,
  IngestLogsResponseSchema,
  LogPageSchema,
  LogQuerySchema,
  LogStatsResponseSchema,
  RecentLogsQuerySchema,
  RecentLogsResponseSchema,
  type IngestLogsBody,
  type LogQuery,
  type RecentLogsQuery,
} from '@switchboard/shared'
import type { FastifyInstance } from 'fastify'
import { HttpProblem } from '../../http-problem.ts'
import { operatorScope, requestedTenant, tenantFilter } from '../../http-scope.ts'
import { orUnavailable } from '../../storage/db-errors.ts'
import { csvStream, jsonStream } from './log-export.ts'
import { toLogRecord } from './log-record.ts'
import { SYSTEM_TENANT, type LogStream } from './log-stream.ts'
import type { ServiceLogRepository } from './service-log.repository.ts'
import type { LogFilter, WebsocketLogRepository } from './websocket-log.repository.ts'

export interface LogRoutesOptions {
  logs: WebsocketLogRepository
  serviceLogs: ServiceLogRepository
  stream: LogStream
  /** Window of `/logs/stats` (reference 004 kept a fixed-size buffer; we keep a time window). */
  statsWindowMs?: number
}

/**
 * `GET /api/websocket/logs` (connection events and audit, filtered, paged or
 * exported) and reference 004's `/api/v1/notifications/logs/*`.
 */
export async function logRoutes(app: FastifyInstance, opts: LogRoutesOptions): Promise<void> {
  const { logs, serviceLogs, stream } = opts
  const statsWindowMs = opts.statsWindowMs ?? 24 * 3600_000

  app.get<{ Querystring: LogQuery }>(
    '/api/websocket/logs',
    { preHandler: app.authenticate, schema: { querystring: LogQuerySchema, response: { 200: LogPageSchema } } },
    async (request, reply) => {
      const scope = operatorScope(request.principal, { allowService: true })
      const q = request.query
      const filter: LogFilter = {
        ...(q.eventType ? { eventType: q.eventType } : {}),
        ...(q.connectionId ? { connectionId: q.connectionId } : {}),
        ...(q.level ? { level: q.level } : {}),
        ...(q.q ? { text: q.q } : {}),
        ...(q.from ? { from: new Date(q.from) } : {}),
        ...(q.to ? { to: new Date(q.to) } : {}),
      }
      const tenant = tenantFilter(scope, q.tenant)
      if (tenant !== undefined) filter.tenant = tenant
      if (filter.from && filter.to && filter.from > filter.to) throw new HttpProblem(400, 'INVALID_FRAME', '`from` is after `to`')

      if (q.format !== undefined) {
        // Check the database answers before the 200 goes out: a failure after that can only cut the download.
        await orUnavailable(request.log, () => logs.page(filter, 1))
        const records = (async function* () {
          for await (const row of logs.stream(filter)) yield toLogRecord(row)
        })()
        const stamp = new Date().toISOString().replace(/[:.]/g, '-')
        reply
          .header('content-type', q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="websocket-logs-${stamp}.${q.format}"`)
          .header('cache-control', 'no-store')
        return reply.send(q.format === 'csv' ? csvStream(records) : jsonStream(records))
      }
      const page = await orUnavailable(request.log, () => logs.page(filter, q.limit ?? 50, q.before))
      return { items: page.items.map(toLogRecord), nextCursor: page.nextCursor }
    },
  )

  app.get<{ Querystring: RecentLogsQuery }>(
    '/api/v1/notifications/logs/recent',
    { preHandler: app.authenticate, schema: { querystring: RecentLogsQuerySchema, response: { 200: RecentLogsResponseSchema } } },
    async (request) => {
      const scope = operatorScope(request.principal, { allowService: true })
      const q = request.query
      return orUnavailable(request.log, () =>
        serviceLogs.recent(
          {
            ...(scope.tenant === undefined ? {} : { tenant: scope.tenant }),
            ...(q.level ? { level: q.level } : {}),
            ...(q.service ? { service: q.service } : {}),
            ...(q.context ? { context: q.context } : {}),
          },
          q.limit ?? 100,
        ),
      )
    },
  )

  app.get(
    '/api/v1/notifications/logs/stats',
    { preHandler: app.authenticate, schema: { response: { 200: LogStatsResponseSchema } } },
    async (request) => {
      const scope = operatorScope(request.principal, { allowService: true })
      return orUnavailable(request.log, () => serviceLogs.stats(scope.tenant, new Date(Date.now() - statsWindowMs)))
    },
  )

  app.post<{ Body: IngestLogsBody }>(
    '/api/v1/notifications/logs',
    // stored with U+FFFD for a NUL (log-stream.ts): a backend's log line is kept, not refused
    { config: { nulAllowed: true }, preHandler: app.authenticate, schema: { body: IngestLogsBodySchema, response: { 202: IngestLogsResponseSchema } } },
    async (request, reply) => {
      const scope = operatorScope(request.principal, { allowService: true })
      const body = request.body
      const tenant = scope.tenant === undefined ? (requestedTenant(body.tenant) ?? SYSTEM_TENANT) : tenantFilter(scope, body.tenant)!
      const now = new Date().toISOString()
      const result = stream.ingest(
        tenant,
        body.entries.map((e) => ({ ...e, timestamp: e.timestamp ?? now })),
      )
      return reply.code(202).send(result)
    },
  )
}

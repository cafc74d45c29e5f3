import { defineEntity, p } from '@mikro-orm/core'
import { LOG_LEVELS } from './websocket-log.entity.ts'

/**
 * `service_log`: reference 004's LogEntry records (`{timestamp, level,
 * service, context, message, metadata, stack}`) from the server itself and
 * from backends (`POST /api/v1/notifications/logs`). They feed the `logs`
 * channel live and `/api/v1/notifications/logs/recent|stats` afterwards.
 */
export const ServiceLogSchema = defineEntity({
  name: 'ServiceLog',
  tableName: 'service_log',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    tenant: p.string().length(128),
    level: p.enum(LOG_LEVELS),
    service: p.string().length(128),
    context: p.string().length(256).nullable(),
    message: p.text(),
    metadata: p.json<Record<string, unknown>>().nullable(),
    stack: p.text().nullable(),
    loggedAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [
    { name: 'service_log_tenant_index', properties: ['tenant', 'id'] },
    { name: 'service_log_level_index', properties: ['level', 'id'] },
    { name: 'service_log_service_index', properties: ['service', 'id'] },
    { name: 'service_log_created_at_index', properties: ['createdAt'] },
  ],
})

export class ServiceLog extends ServiceLogSchema.class {}
ServiceLogSchema.setClass(ServiceLog)

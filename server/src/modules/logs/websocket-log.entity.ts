import { defineEntity, p } from '@mikro-orm/core'

/** Reference 000's event types of `websocket_log`. */
export const LOG_EVENT_TYPES = ['connect', 'disconnect', 'error', 'message', 'action'] as const
export type LogEventType = (typeof LOG_EVENT_TYPES)[number]

/** The same four levels as the `log:*` events in shared/ (reference 004). */
export const LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/**
 * `websocket_log`: connection events and the audit trail of manual actions
 * (`actor`, `ip`, `user_agent` say who). Never holds a token or a full message
 * body: `message` is a short description written by the server, and
 * `data_size` records how big a frame was instead of what it said.
 * Indexes follow the filters of `GET /api/websocket/logs`, each ending in
 * `id` so keyset pagination (newest first) stays an index scan.
 */
export const WebsocketLogSchema = defineEntity({
  name: 'WebsocketLog',
  tableName: 'websocket_log',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    connectionId: p.string().length(64).nullable(),
    tenant: p.string().length(128).nullable(),
    eventType: p.enum(LOG_EVENT_TYPES),
    level: p.enum(LOG_LEVELS).default('info'),
    message: p.text().nullable(),
    errorDetails: p.text().nullable(),
    metadata: p.json<Record<string, unknown>>().nullable(),
    responseTime: p.integer().nullable(),
    dataSize: p.integer().nullable(),
    actor: p.string().length(128).nullable(),
    ip: p.string().length(64).nullable(),
    userAgent: p.string().length(512).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [
    { name: 'websocket_log_created_at_index', properties: ['createdAt', 'id'] },
    { name: 'websocket_log_connection_index', properties: ['connectionId', 'id'] },
    { name: 'websocket_log_tenant_index', properties: ['tenant', 'id'] },
    { name: 'websocket_log_event_type_index', properties: ['eventType', 'id'] },
    { name: 'websocket_log_level_index', properties: ['level', 'id'] },
  ],
})

export class WebsocketLog extends WebsocketLogSchema.class {}
WebsocketLogSchema.setClass(WebsocketLog)

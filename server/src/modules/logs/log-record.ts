import type { WebsocketLogRecord } from '@switchboard/shared'
import type { LogEventType, LogLevel, WebsocketLog } from './websocket-log.entity.ts'

/** A `websocket_log` row to be written (the writer and the audit both take this). */
export interface LogDraft {
  connectionId: string | null
  tenant: string | null
  eventType: LogEventType
  level: LogLevel
  message: string | null
  errorDetails?: string | null
  metadata?: Record<string, unknown> | null
  responseTime?: number | null
  dataSize?: number | null
  actor?: string | null
  ip?: string | null
  userAgent?: string | null
  createdAt: string
}

export function toLogRecord(row: WebsocketLog): WebsocketLogRecord {
  return {
    id: Number(row.id),
    connectionId: row.connectionId ?? null,
    tenant: row.tenant ?? null,
    eventType: row.eventType,
    level: row.level,
    message: row.message ?? null,
    errorDetails: row.errorDetails ?? null,
    metadata: row.metadata ?? null,
    responseTime: row.responseTime ?? null,
    dataSize: row.dataSize ?? null,
    actor: row.actor ?? null,
    ip: row.ip ?? null,
    userAgent: row.userAgent ?? null,
    createdAt: row.createdAt.toISOString(),
  }
}

/** The audit entry of a manual action: who (user, tenant, roles, IP, user agent), what, and the outcome. */
export function auditDraft(input: {
  connectionId: string
  tenant: string | null
  action: string
  message: string
  actor: { user: string; tenant: string; roles: readonly string[]; ip: string; userAgent: string | undefined }
  metadata: Record<string, unknown>
}): LogDraft {
  return {
    connectionId: input.connectionId,
    tenant: input.tenant,
    eventType: 'action',
    level: 'info',
    message: `${input.action}: ${input.message}`.slice(0, 1024),
    metadata: { action: input.action, actorTenant: input.actor.tenant, actorRoles: [...input.actor.roles], ...input.metadata },
    actor: input.actor.user.slice(0, 128),
    ip: input.actor.ip.slice(0, 64),
    userAgent: input.actor.userAgent?.slice(0, 512) ?? null,
    createdAt: new Date().toISOString(),
  }
}

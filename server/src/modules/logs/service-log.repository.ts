import type { FilterQuery } from '@mikro-orm/core'
import type { LogEntrySchema, ServiceLogRecord } from '@switchboard/shared'
import type { Static } from 'typebox'
import { query, recordsetSql, tableName, type Orm } from '../../storage/database.ts'
import { deleteInChunks } from '../../storage/retention.ts'
import { ServiceLog } from './service-log.entity.ts'
import type { LogLevel } from './websocket-log.entity.ts'

export type LogEntry = Static<typeof LogEntrySchema>

/** A reference-004 entry on its way to `service_log`. */
export interface ServiceLogDraft extends LogEntry {
  tenant: string
}

export interface ServiceLogFilter {
  /** undefined: every tenant (admin). */
  tenant?: string
  level?: LogLevel
  service?: string
  context?: string
}

const DRAFT_COLUMNS: Array<[string, string, string]> = [
  ['tenant', 'tenant', 'varchar'],
  ['level', 'level', 'text'],
  ['service', 'service', 'varchar'],
  ['context', 'context', 'varchar'],
  ['message', 'message', 'text'],
  ['metadata', 'metadata', 'jsonb'],
  ['stack', 'stack', 'text'],
  ['timestamp', 'logged_at', 'timestamptz'],
]

export function toServiceLogRecord(row: ServiceLog): ServiceLogRecord {
  return {
    id: Number(row.id),
    tenant: row.tenant,
    timestamp: row.loggedAt.toISOString(),
    level: row.level,
    service: row.service,
    ...(row.context ? { context: row.context } : {}),
    message: row.message,
    ...(row.metadata ? { metadata: row.metadata } : {}),
    ...(row.stack ? { stack: row.stack } : {}),
  }
}

export class ServiceLogRepository {
  readonly #orm: Orm

  constructor(orm: Orm) {
    this.#orm = orm
  }

  async insertMany(rows: readonly ServiceLogDraft[]): Promise<void> {
    if (rows.length === 0) return
    const { columns, fields, record } = recordsetSql(DRAFT_COLUMNS)
    await query(
      this.#orm,
      `insert into ${tableName(this.#orm, 'service_log')} (${columns}, "created_at")
       select ${fields}, now() from json_to_recordset(?::json) as x(${record})`,
      [JSON.stringify(rows)],
    )
  }

  #where(filter: ServiceLogFilter): FilterQuery<ServiceLog> {
    const where: FilterQuery<ServiceLog> & Record<string, unknown> = {}
    if (filter.tenant !== undefined) where.tenant = filter.tenant
    if (filter.level) where.level = filter.level
    if (filter.service !== undefined) where.service = filter.service
    if (filter.context !== undefined) where.context = filter.context
    return where
  }

  async recent(filter: ServiceLogFilter, limit: number): Promise<ServiceLogRecord[]> {
    const rows = await this.#orm.em.fork().find(ServiceLog, this.#where(filter), { orderBy: { id: 'desc' }, limit })
    return rows.map(toServiceLogRecord)
  }

  /** Reference 004's stats over entries since `since`, within the tenant when one is given. */
  async stats(tenant: string | undefined, since: Date, recentErrors = 10) {
    const t = tableName(this.#orm, 'service_log')
    const scope = tenant === undefined ? '' : 'and tenant = ?'
    const params = tenant === undefined ? [since] : [since, tenant]
    const byLevelRows = await query<{ level: string; n: string | number }>(
      this.#orm,
      `select level, count(*) as n from ${t} where created_at >= ? ${scope} group by level`,
      params,
    )
    const byServiceRows = await query<{ service: string; n: string | number }>(
      this.#orm,
      `select service, count(*) as n from ${t} where created_at >= ? ${scope} group by service order by count(*) desc limit 100`,
      params,
    )
    const byLevel: Record<string, number> = { error: 0, warning: 0, info: 0, debug: 0 }
    let total = 0
    for (const r of byLevelRows) {
      byLevel[r.level] = Number(r.n)
      total += Number(r.n)
    }
    const byService = Object.fromEntries(byServiceRows.map((r) => [r.service, Number(r.n)]))
    const errors = await this.#orm.em
      .fork()
      .find(
        ServiceLog,
        { level: 'error', createdAt: { $gte: since }, ...(tenant === undefined ? {} : { tenant }) },
        { orderBy: { id: 'desc' }, limit: recentErrors },
      )
    return { total, byLevel, byService, recentErrors: errors.map(toServiceLogRecord) }
  }

  async deleteBefore(cutoff: Date): Promise<number> {
    return deleteInChunks(this.#orm, 'service_log', 'created_at < ?', [cutoff])
  }
}

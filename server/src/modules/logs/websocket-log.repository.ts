import type { FilterQuery } from '@mikro-orm/core'
import type { Orm } from '../../storage/database.ts'
import { query, recordsetSql, tableName } from '../../storage/database.ts'
import { deleteInChunks } from '../../storage/retention.ts'
import type { LogDraft } from './log-record.ts'
import { WebsocketLog, type LogEventType, type LogLevel } from './websocket-log.entity.ts'

export interface LogFilter {
  eventType?: LogEventType
  connectionId?: string
  /** undefined: every tenant (admin). */
  tenant?: string
  level?: LogLevel
  from?: Date
  to?: Date
  /** Case-insensitive substring of the message. */
  text?: string
}

const DRAFT_COLUMNS: Array<[keyof LogDraft, string, string]> = [
  ['connectionId', 'connection_id', 'varchar'],
  ['tenant', 'tenant', 'varchar'],
  ['eventType', 'event_type', 'text'],
  ['level', 'level', 'text'],
  ['message', 'message', 'text'],
  ['errorDetails', 'error_details', 'text'],
  ['metadata', 'metadata', 'jsonb'],
  ['responseTime', 'response_time', 'int'],
  ['dataSize', 'data_size', 'int'],
  ['actor', 'actor', 'varchar'],
  ['ip', 'ip', 'varchar'],
  ['userAgent', 'user_agent', 'varchar'],
  ['createdAt', 'created_at', 'timestamptz'],
]

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)

export class WebsocketLogRepository {
  readonly #orm: Orm

  constructor(orm: Orm) {
    this.#orm = orm
  }

  /** One statement per batch (the batch is one JSON parameter). */
  async insertMany(rows: readonly LogDraft[]): Promise<void> {
    if (rows.length === 0) return
    const { columns, fields, record } = recordsetSql(DRAFT_COLUMNS)
    await query(
      this.#orm,
      `insert into ${tableName(this.#orm, 'websocket_log')} (${columns})
       select ${fields} from json_to_recordset(?::json) as x(${record})`,
      [JSON.stringify(rows)],
    )
  }

  #where(filter: LogFilter, before?: number): FilterQuery<WebsocketLog> {
    const where: FilterQuery<WebsocketLog> & Record<string, unknown> = {}
    if (filter.eventType) where.eventType = filter.eventType
    if (filter.connectionId !== undefined) where.connectionId = filter.connectionId
    if (filter.tenant !== undefined) where.tenant = filter.tenant
    if (filter.level) where.level = filter.level
    if (filter.from || filter.to) {
      where.createdAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lte: filter.to } : {}) }
    }
    if (filter.text) where.message = { $ilike: `%${escapeLike(filter.text)}%` }
    if (before !== undefined) where.id = { $lt: before }
    return where
  }

  /** One page, newest first; `before` is the id the previous page ended at. */
  async page(filter: LogFilter, limit: number, before?: number): Promise<{ items: WebsocketLog[]; nextCursor: number | null }> {
    const items = await this.#orm.em.fork().find(WebsocketLog, this.#where(filter, before), { orderBy: { id: 'desc' }, limit: limit + 1 })
    const more = items.length > limit
    if (more) items.pop()
    return { items, nextCursor: more ? Number(items[items.length - 1]!.id) : null }
  }

  /**
   * Every matching row, newest first, fetched `chunk` rows at a time by
   * keyset: an export of any size holds one chunk in memory, on either driver.
   */
  async *stream(filter: LogFilter, chunk = 500): AsyncGenerator<WebsocketLog> {
    let before: number | undefined
    for (;;) {
      const { items, nextCursor } = await this.page(filter, chunk, before)
      yield* items
      if (nextCursor === null) return
      before = nextCursor
    }
  }

  /** Retention: entries older than `cutoff`. */
  async deleteBefore(cutoff: Date): Promise<number> {
    return deleteInChunks(this.#orm, 'websocket_log', 'created_at < ?', [cutoff])
  }
}

import type { FilterQuery } from '@mikro-orm/core'
import { query, recordsetSql, tableName, type Orm } from '../../storage/database.ts'
import { deleteInChunks } from '../../storage/retention.ts'
import type { ConnectionSnapshot } from './connection-snapshot.ts'
import { WebsocketConnection, type ConnectionStatus, type ConnectionType } from './connection.entity.ts'

export interface ConnectionFilter {
  status?: ConnectionStatus
  type?: ConnectionType
  /** undefined: every tenant (admin); otherwise only this tenant's rows. */
  tenant?: string
  user?: string
}

/** Snapshot fields and their SQL types, in column order (`json_to_recordset` needs both). */
const SNAPSHOT_COLUMNS: Array<[keyof ConnectionSnapshot, string, string]> = [
  ['id', 'id', 'varchar'],
  ['type', 'type', 'text'],
  ['referenceId', 'reference_id', 'varchar'],
  ['status', 'status', 'text'],
  ['userId', 'user_id', 'varchar'],
  ['tenant', 'tenant', 'varchar'],
  ['roles', 'roles', 'jsonb'],
  ['ip', 'ip', 'varchar'],
  ['userAgent', 'user_agent', 'varchar'],
  ['origin', 'origin', 'varchar'],
  ['instanceId', 'instance_id', 'varchar'],
  ['connectedAt', 'connected_at', 'timestamptz'],
  ['authenticatedAt', 'authenticated_at', 'timestamptz'],
  ['disconnectedAt', 'disconnected_at', 'timestamptz'],
  ['closeCode', 'close_code', 'int'],
  ['closeReason', 'close_reason', 'varchar'],
  ['lastPingAt', 'last_ping_at', 'timestamptz'],
  ['messagesIn', 'messages_in', 'bigint'],
  ['messagesOut', 'messages_out', 'bigint'],
  ['subscriptions', 'subscriptions', 'jsonb'],
  ['errorMessage', 'error_message', 'text'],
  ['updatedAt', 'updated_at', 'timestamptz'],
]

export class ConnectionRepository {
  readonly #orm: Orm

  constructor(orm: Orm) {
    this.#orm = orm
  }

  /**
   * Upserts a batch of snapshots in one statement: the batch travels as one
   * JSON parameter, so its size is not bounded by the parameter limit.
   * `auto_reconnect` and `metadata` belong to operators and upstream
   * connectors and are never overwritten here.
   */
  async upsertSnapshots(rows: readonly ConnectionSnapshot[]): Promise<void> {
    if (rows.length === 0) return
    const { columns, fields, record, updates } = recordsetSql(SNAPSHOT_COLUMNS, ['id'])
    await query(
      this.#orm,
      `insert into ${tableName(this.#orm, 'websocket_connection')} (${columns}, "created_at")
       select ${fields}, x."connectedAt" from json_to_recordset(?::json) as x(${record})
       on conflict ("id") do update set ${updates}`,
      [JSON.stringify(rows)],
    )
  }

  async list(filter: ConnectionFilter, page: { limit: number; offset: number }): Promise<{ items: WebsocketConnection[]; total: number }> {
    const where: FilterQuery<WebsocketConnection> = {}
    if (filter.status) where.status = filter.status
    if (filter.type) where.type = filter.type
    if (filter.tenant !== undefined) where.tenant = filter.tenant
    if (filter.user !== undefined) where.userId = filter.user
    const [items, total] = await this.#orm.em.fork().findAndCount(WebsocketConnection, where, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: page.limit,
      offset: page.offset,
    })
    return { items, total }
  }

  async get(id: string): Promise<WebsocketConnection | null> {
    return this.#orm.em.fork().findOne(WebsocketConnection, { id })
  }

  /** Sets the flag (and, for upstream connections, the status); returns the updated row or null. */
  async update(id: string, changes: { autoReconnect?: boolean; status?: ConnectionStatus; errorMessage?: string | null }): Promise<WebsocketConnection | null> {
    const em = this.#orm.em.fork()
    const row = await em.findOne(WebsocketConnection, { id })
    if (row === null) return null
    if (changes.autoReconnect !== undefined) row.autoReconnect = changes.autoReconnect
    if (changes.status !== undefined) row.status = changes.status
    if (changes.errorMessage !== undefined) row.errorMessage = changes.errorMessage
    await em.flush()
    return row
  }

  /** Marks a client row closed when no instance holds its socket any more. */
  async markClosed(id: string, reason: string, at: Date = new Date()): Promise<void> {
    await this.#orm.em.fork().nativeUpdate(
      WebsocketConnection,
      { id, type: 'CLIENT', status: 'connected' },
      { status: 'disconnected', disconnectedAt: at, closeReason: reason.slice(0, 256), updatedAt: at },
    )
  }

  /**
   * Client rows still `connected` from an instance that stopped without
   * closing them (a crash). `instanceId` undefined: every instance's rows
   * (a single-instance deployment at start-up). Returns how many.
   */
  async sweepStale(instanceId: string | undefined, at: Date = new Date()): Promise<number> {
    return this.#orm.em.fork().nativeUpdate(
      WebsocketConnection,
      { type: 'CLIENT', status: 'connected', ...(instanceId === undefined ? {} : { instanceId }) },
      { status: 'disconnected', disconnectedAt: at, closeReason: 'instance stopped without closing the connection', updatedAt: at },
    )
  }

  /** Retention: closed client rows last updated before `cutoff`. */
  async deleteClosedBefore(cutoff: Date): Promise<number> {
    return deleteInChunks(this.#orm, 'websocket_connection', `type = 'CLIENT' and status <> 'connected' and updated_at < ?`, [cutoff])
  }
}

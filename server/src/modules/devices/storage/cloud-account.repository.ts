import { query, tableName, type Orm } from '../../../storage/database.ts'
import { ShellyCloudAccount } from './cloud-account.entity.ts'
import type { ConnectionStatus } from '../../connections/connection.entity.ts'
import type { CloudAccountRow, CloudAccountStore, UpstreamSnapshot } from './stores.ts'

/** `shelly_cloud_account`: the sealed credentials. */
export class CloudAccountRepository implements CloudAccountStore {
  readonly #orm: Orm

  constructor(orm: Orm) {
    this.#orm = orm
  }

  async list(): Promise<CloudAccountRow[]> {
    const rows = await this.#orm.em.fork().find(ShellyCloudAccount, {}, { orderBy: { createdAt: 'asc' } })
    return rows.map((r) => ({ id: r.id, tenant: r.tenant, name: r.name, host: r.host, sealedToken: r.sealedToken, createdBy: r.createdBy, createdAt: r.createdAt }))
  }

  async create(row: CloudAccountRow): Promise<void> {
    const em = this.#orm.em.fork()
    em.create(ShellyCloudAccount, { ...row, updatedAt: row.createdAt })
    await em.flush()
  }

  async delete(id: string): Promise<void> {
    await this.#orm.em.fork().nativeDelete(ShellyCloudAccount, { id })
  }
}

/**
 * The SHELLY rows of `websocket_connection` (the connections module's table):
 * created once per account, then updated with what the connector sees.
 * `auto_reconnect` is set on creation only: after that it belongs to the
 * operators' control route, and the connector reads it.
 */
export class UpstreamConnectionRepository {
  readonly #orm: Orm

  constructor(orm: Orm) {
    this.#orm = orm
  }

  #table(): string {
    return tableName(this.#orm, 'websocket_connection')
  }

  async ensure(s: UpstreamSnapshot, autoReconnect: boolean): Promise<void> {
    await query(
      this.#orm,
      `insert into ${this.#table()} ("id", "type", "reference_id", "status", "tenant", "metadata", "auto_reconnect", "messages_in", "messages_out", "created_at", "updated_at")
       values (?, 'SHELLY', ?, ?, ?, ?::jsonb, ?, 0, 0, ?, ?)
       on conflict ("id") do nothing`,
      [s.id, s.referenceId, s.status, s.tenant, JSON.stringify(s.metadata), autoReconnect, s.updatedAt, s.updatedAt],
    )
  }

  /** A batch of status snapshots; rows that no longer exist (account deleted) stay deleted. */
  async update(rows: readonly UpstreamSnapshot[]): Promise<void> {
    if (rows.length === 0) return
    const t = this.#table()
    await query(
      this.#orm,
      `update ${t} as c set "status" = x."status", "last_ping_at" = x."lastPingAt", "error_message" = x."errorMessage",
         "metadata" = x."metadata", "connected_at" = x."connectedAt", "disconnected_at" = x."disconnectedAt", "updated_at" = x."updatedAt"
       from json_to_recordset(?::json) as x("id" varchar, "status" text, "lastPingAt" timestamptz, "errorMessage" text, "metadata" jsonb,
         "connectedAt" timestamptz, "disconnectedAt" timestamptz, "updatedAt" timestamptz)
       where c."id" = x."id" and c."type" = 'SHELLY'`,
      [JSON.stringify(rows)],
    )
  }

  async stored(id: string): Promise<{ status: ConnectionStatus; autoReconnect: boolean } | undefined> {
    const rows = await query<{ status: ConnectionStatus; auto_reconnect: boolean }>(this.#orm, `select "status", "auto_reconnect" from ${this.#table()} where "id" = ? and "type" = 'SHELLY'`, [id])
    const row = rows[0]
    return row === undefined ? undefined : { status: row.status, autoReconnect: row.auto_reconnect }
  }

  async setAutoReconnect(id: string, value: boolean): Promise<void> {
    await query(this.#orm, `update ${this.#table()} set "auto_reconnect" = ?, "updated_at" = now() where "id" = ? and "type" = 'SHELLY'`, [value, id])
  }

  async remove(id: string): Promise<void> {
    await query(this.#orm, `delete from ${this.#table()} where "id" = ? and "type" = 'SHELLY'`, [id])
  }
}

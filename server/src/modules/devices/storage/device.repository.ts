import { query, recordsetSql, tableName, type Orm } from '../../../storage/database.ts'
import type { DeviceSnapshot } from '../state/device.ts'
import type { BulkOffline } from './stores.ts'

/** Snapshot fields, their columns and SQL types, in column order (`json_to_recordset` needs the types). */
const COLUMNS: Array<[keyof DeviceSnapshot, string, string]> = [
  ['id', 'id', 'varchar'],
  ['tenant', 'tenant', 'varchar'],
  ['source', 'source', 'text'],
  ['externalId', 'external_id', 'varchar'],
  ['upstreamId', 'upstream_id', 'varchar'],
  ['name', 'name', 'varchar'],
  ['model', 'model', 'varchar'],
  ['generation', 'generation', 'int'],
  ['approval', 'approval', 'text'],
  ['online', 'online', 'boolean'],
  ['relayOn', 'relay_on', 'boolean'],
  ['currentPower', 'current_power', 'double precision'],
  ['voltage', 'voltage', 'double precision'],
  ['current', 'current', 'double precision'],
  ['temperature', 'temperature', 'double precision'],
  ['totalEnergy', 'total_energy', 'double precision'],
  ['lastSeenAt', 'last_seen_at', 'timestamptz'],
  ['equipmentId', 'equipment_id', 'varchar'],
  ['equipmentName', 'equipment_name', 'varchar'],
  ['appointmentOnlyMode', 'appointment_only_mode', 'boolean'],
  ['stateSeq', 'state_seq', 'bigint'],
  ['createdAt', 'created_at', 'timestamptz'],
]

/** What operators set (device routes); everything else is the device's state. */
const CONFIG_FIELDS: ReadonlyArray<keyof DeviceSnapshot> = ['name', 'approval', 'equipmentId', 'equipmentName', 'appointmentOnlyMode']

/** The second key of a device row; an upsert arbitrates on `id` alone. */
const EXTERNAL_KEY = 'device_tenant_source_external_id_unique'

/**
 * Two instances writing a new device's first row at the same moment (the
 * serving one its state, another an operator's approval) race in
 * PostgreSQL: the later insert can meet the earlier on the external key,
 * which is not its ON CONFLICT arbiter, before it meets it on `id`, and fail
 * with a unique violation instead of updating. By then the earlier row is
 * committed, so the statement run once more takes the update path. A real
 * clash (another id under the same external key) fails again and is thrown.
 */
async function racingFirstWrite<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (err) {
    const e = err as { code?: unknown; constraint?: unknown }
    if (e.code !== '23505' || e.constraint !== EXTERNAL_KEY) throw err
    return write()
  }
}

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString())
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

/**
 * The `device` table in set-based SQL: a batch of snapshots is one upsert
 * (the batch travels as one JSON parameter), an upstream loss is one update.
 * Both apply only to rows holding an older `state_seq`.
 */
export class DeviceRepository {
  readonly #orm: Orm

  constructor(orm: Orm) {
    this.#orm = orm
  }

  #table(): string {
    return tableName(this.#orm, 'device')
  }

  async loadAll(): Promise<DeviceSnapshot[]> {
    const select = COLUMNS.map(([field, col]) => `"${col}" as "${field}"`).join(', ')
    const rows = await query<Record<string, unknown>>(this.#orm, `select ${select} from ${this.#table()} order by "created_at"`)
    return rows.map((r) => ({
      id: String(r.id),
      tenant: String(r.tenant),
      source: r.source as DeviceSnapshot['source'],
      externalId: String(r.externalId),
      upstreamId: (r.upstreamId as string | null) ?? null,
      name: String(r.name),
      model: (r.model as string | null) ?? null,
      generation: numOrNull(r.generation),
      approval: r.approval as DeviceSnapshot['approval'],
      online: r.online === true,
      relayOn: (r.relayOn as boolean | null) ?? null,
      currentPower: numOrNull(r.currentPower),
      voltage: numOrNull(r.voltage),
      current: numOrNull(r.current),
      temperature: numOrNull(r.temperature),
      totalEnergy: numOrNull(r.totalEnergy),
      lastSeenAt: iso(r.lastSeenAt),
      equipmentId: (r.equipmentId as string | null) ?? null,
      equipmentName: (r.equipmentName as string | null) ?? null,
      appointmentOnlyMode: r.appointmentOnlyMode === true,
      stateSeq: Number(r.stateSeq),
      createdAt: iso(r.createdAt) ?? new Date().toISOString(),
    }))
  }

  /**
   * State (readings, online, model) of whole rows, each applied only when
   * newer than the stored one. A new row is inserted whole; an existing row's
   * operator settings are left alone: with several instances, the one serving
   * a device writes its state while an operator's change may have been made
   * (and saved by `saveConfig`) on another. The name the device gives itself
   * is taken only while no operator has named it (it is still its external id).
   */
  async upsert(rows: readonly DeviceSnapshot[]): Promise<void> {
    if (rows.length === 0) return
    const { columns, fields, record, updates } = recordsetSql(COLUMNS, ['id', 'createdAt', ...CONFIG_FIELDS])
    const t = this.#table()
    await racingFirstWrite(() =>
      query(
        this.#orm,
        `insert into ${t} (${columns}, "updated_at")
         select ${fields}, now() from json_to_recordset(?::json) as x(${record})
         on conflict ("id") do update set ${updates}, "updated_at" = now(),
           "name" = case when ${t}."name" = ${t}."external_id" then excluded."name" else ${t}."name" end
         where ${t}."state_seq" < excluded."state_seq"`,
        [JSON.stringify(rows)],
      ),
    )
  }

  /**
   * An operator's change (approval, name, assignment): the row whole when
   * new, else only its settings, whatever the state version (operator
   * changes are not ordered by the state counter of the instance that made
   * them; the last one written wins). A row it creates has state version 0:
   * its state is a copy's (possibly another instance's, not serving the
   * device), and any state write must win over it.
   */
  async saveConfig(row: DeviceSnapshot): Promise<void> {
    const { columns, fields, record } = recordsetSql(COLUMNS)
    const settings = COLUMNS.filter(([field]) => CONFIG_FIELDS.includes(field))
      .map(([, col]) => `"${col}" = excluded."${col}"`)
      .join(', ')
    const t = this.#table()
    await racingFirstWrite(() =>
      query(
        this.#orm,
        `insert into ${t} (${columns}, "updated_at")
         select ${fields}, now() from json_to_recordset(?::json) as x(${record})
         on conflict ("id") do update set ${settings}, "updated_at" = now()`,
        [JSON.stringify([{ ...row, stateSeq: 0 }])],
      ),
    )
  }

  /** Reference 000's updateMany: one statement for every device of a lost upstream connection. */
  async bulkOffline(bulk: BulkOffline): Promise<number> {
    if (bulk.ids.length === 0) return 0
    const rows = await query<{ n: string | number }>(
      this.#orm,
      `with changed as (
         update ${this.#table()} set "online" = false, "relay_on" = false, "current_power" = 0, "state_seq" = ?, "updated_at" = ?
         where "id" in (select value from json_array_elements_text(?::json)) and "state_seq" < ?
         returning 1)
       select count(*) as n from changed`,
      [bulk.seq, bulk.at, JSON.stringify(bulk.ids), bulk.seq],
    )
    return Number(rows[0]?.n ?? 0)
  }
}

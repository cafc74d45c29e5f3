import { randomUUID } from 'node:crypto'
import type { StreamPosition } from '@switchboard/shared'
import type { HubEvent } from '../realtime/event.ts'
import { query, tableName, type Orm } from '../storage/database.ts'
import type { HistoryPolicy, HistoryStore, RecoverResult } from './history.ts'

type StoredEvent = Omit<HubEvent, 'offset' | 'epoch'>

/**
 * History in the database (`channel_stream` + `channel_message`), shared by
 * every instance and kept across restarts.
 *
 * Offsets come from one atomic upsert of the stream row (`last_offset + 1`),
 * whose row lock orders concurrent appends from any instance; the event row
 * and the size trim ride in the same statement. Within this process appends
 * to one stream run one after the other, so they resolve (and get delivered)
 * in offset order.
 *
 * A position is recovered only when every offset after it is still kept and
 * unexpired; otherwise the answer is `recovered:false`, never a partial replay.
 *
 * The database must not stop delivery: an append that fails (or takes longer
 * than `appendTimeoutMs`) returns the event without a position, so it is
 * still delivered live, and the stream is marked lost: its next append starts
 * a new epoch, and every position from before answers `recovered:false`
 * (the client reloads) instead of a replay with a hole in it.
 */
export class DatabaseHistory implements HistoryStore {
  readonly #orm: Orm
  readonly #policyFor: (streamKey: string) => HistoryPolicy
  readonly #now: () => number
  /** streamKey -> tail of its append chain. */
  readonly #chains = new Map<string, Promise<unknown>>()
  readonly #table: (name: string) => string
  readonly #appendTimeoutMs: number
  readonly #onAppendFailure: DatabaseHistoryOptions['onAppendFailure']
  /** Streams whose history missed an event: their next append opens a new epoch. */
  readonly #lost = new Set<string>()
  #failures = 0
  #lastReport = 0

  constructor(orm: Orm, policyFor: (streamKey: string) => HistoryPolicy, opts: DatabaseHistoryOptions = {}) {
    this.#orm = orm
    this.#policyFor = policyFor
    this.#now = opts.now ?? Date.now
    this.#appendTimeoutMs = opts.appendTimeoutMs ?? 2_000
    this.#onAppendFailure = opts.onAppendFailure
    this.#table = (name) => tableName(orm, name)
  }

  /** Appends that failed since start (each one delivered live without a position). */
  get failedAppends(): number {
    return this.#failures
  }

  append(streamKey: string, event: HubEvent): Promise<HubEvent> {
    const previous = this.#chains.get(streamKey) ?? Promise.resolve()
    const next = previous.then(
      () => this.#appendOrDegrade(streamKey, event),
      () => this.#appendOrDegrade(streamKey, event),
    )
    const tail = next.catch(() => undefined)
    this.#chains.set(streamKey, tail)
    void tail.then(() => {
      if (this.#chains.get(streamKey) === tail) this.#chains.delete(streamKey)
    })
    return next
  }

  async #appendOrDegrade(streamKey: string, event: HubEvent): Promise<HubEvent> {
    try {
      if (this.#lost.has(streamKey)) {
        await this.#startEpoch(streamKey)
        this.#lost.delete(streamKey)
      }
      return await withTimeout(this.#append(streamKey, event), this.#appendTimeoutMs)
    } catch (err) {
      this.#lost.add(streamKey)
      this.#failures++
      const now = this.#now()
      // reported at most every 10 s: an outage must not turn every publish into a log line
      if (now - this.#lastReport >= 10_000) {
        this.#lastReport = now
        this.#onAppendFailure?.({ err, streamKey, failures: this.#failures })
      }
      const { offset: _o, epoch: _e, ...live } = event
      return live
    }
  }

  async #startEpoch(streamKey: string): Promise<void> {
    await query(this.#orm, `update ${this.#table('channel_stream')} set epoch = ?, updated_at = ? where stream_key = ?`, [
      newEpoch(),
      new Date(this.#now()),
      key(streamKey),
    ])
  }

  async #append(streamKey: string, event: HubEvent): Promise<HubEvent> {
    const policy = this.#policyFor(streamKey)
    const { offset: _o, epoch: _e, ...rest } = event
    const stored: StoredEvent = rest
    const ts = Date.parse(event.ts)
    const createdAt = new Date(Number.isNaN(ts) ? this.#now() : ts)
    const expiresAt = new Date(createdAt.getTime() + policy.ttlMs)
    const streams = this.#table('channel_stream')
    const messages = this.#table('channel_message')
    // One statement: bump the offset (row lock), store the event, trim past `size`.
    const rows = await query<{ last_offset: string | number; epoch: string }>(
      this.#orm,
      `with s as (
         insert into ${streams} (stream_key, epoch, last_offset, created_at, updated_at)
         values (?, ?, 1, ?, ?)
         on conflict (stream_key) do update set last_offset = ${streams}.last_offset + 1, updated_at = excluded.updated_at
         returning last_offset, epoch
       ), m as (
         insert into ${messages} (stream_key, "offset", event, created_at, expires_at)
         select ?::text, s.last_offset, ?::text, ?::timestamptz, ?::timestamptz from s
       ), d as (
         delete from ${messages} where stream_key = ?::text and "offset" <= (select last_offset from s) - ?::bigint
       )
       select last_offset, epoch from s`,
      [
        key(streamKey),
        newEpoch(),
        createdAt,
        new Date(this.#now()),
        key(streamKey),
        JSON.stringify(stored),
        createdAt,
        expiresAt,
        key(streamKey),
        Math.max(1, policy.size),
      ],
    )
    const row = rows[0]!
    return { ...event, offset: Number(row.last_offset), epoch: row.epoch }
  }

  async recover(streamKey: string, since: StreamPosition): Promise<RecoverResult> {
    const position = await this.position(streamKey)
    if (since.epoch !== position.epoch || since.offset > position.offset) return { recovered: false, position }
    if (since.offset === position.offset) return { recovered: true, events: [], position }
    const missing = position.offset - since.offset
    // More missed than the stream ever keeps: the gap cannot be filled, skip the query.
    if (missing > this.#policyFor(streamKey).size) return { recovered: false, position }
    const rows = await query<{ offset: string | number; event: string }>(
      this.#orm,
      `select "offset", event from ${this.#table('channel_message')}
       where stream_key = ? and "offset" > ? and "offset" <= ? and expires_at > ?
       order by "offset"`,
      [key(streamKey), since.offset, position.offset, new Date(this.#now())],
    )
    // Contiguous from since+1 to the top, or nothing: never a partial replay.
    if (rows.length !== missing || Number(rows[0]!.offset) !== since.offset + 1) return { recovered: false, position }
    const events = rows.map((r) => ({ ...(JSON.parse(r.event) as StoredEvent), offset: Number(r.offset), epoch: position.epoch }))
    return { recovered: true, events, position }
  }

  async position(streamKey: string): Promise<StreamPosition> {
    const streams = this.#table('channel_stream')
    const select = () =>
      query<{ last_offset: string | number; epoch: string }>(
        this.#orm,
        `select last_offset, epoch from ${streams} where stream_key = ?`,
        [key(streamKey)],
      )
    let rows = await select()
    if (rows.length === 0) {
      const now = new Date(this.#now())
      await query(
        this.#orm,
        `insert into ${streams} (stream_key, epoch, last_offset, created_at, updated_at) values (?, ?, 0, ?, ?) on conflict (stream_key) do nothing`,
        [key(streamKey), newEpoch(), now, now],
      )
      rows = await select()
    }
    const row = rows[0]!
    return { offset: Number(row.last_offset), epoch: row.epoch }
  }

  /** Deletes expired events of every stream (the retention job calls it); returns how many. */
  async purgeExpired(batch = 10_000): Promise<number> {
    const messages = this.#table('channel_message')
    let total = 0
    for (;;) {
      const rows = await query<{ n: string | number }>(
      this.#orm,
        `with gone as (
           delete from ${messages} where ctid in (select ctid from ${messages} where expires_at <= ? limit ?) returning 1
         ) select count(*) as n from gone`,
        [new Date(this.#now()), batch],
      )
      const n = Number(rows[0]?.n ?? 0)
      total += n
      if (n < batch) return total
    }
  }

  /** Waits for appends in flight; the ORM itself is closed by the db plugin. */
  async close(): Promise<void> {
    await Promise.all([...this.#chains.values()])
  }
}

export interface DatabaseHistoryOptions {
  now?: () => number
  /** An append slower than this counts as failed (the event goes out live, unrecorded). */
  appendTimeoutMs?: number
  /** Told, at most every 10 s, that appends are failing; the app logs it. */
  onAppendFailure?: (info: { err: unknown; streamKey: string; failures: number }) => void
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`history append took longer than ${ms} ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Stream keys embed a NUL between tenant and channel (history.ts), which
 * PostgreSQL text cannot hold: escape it, injectively.
 */
function key(streamKey: string): string {
  return streamKey.replaceAll('\\', '\\\\').replaceAll('\0', '\\0')
}

function newEpoch(): string {
  return randomUUID().replaceAll('-', '').slice(0, 12)
}

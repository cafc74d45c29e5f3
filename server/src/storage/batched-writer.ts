import type { FastifyBaseLogger } from 'fastify'
import { Counter, Gauge, type Registry } from 'prom-client'
import { isDataException, sqlState } from './db-errors.ts'

export interface WriterMetrics {
  dropped: Counter<'writer'>
  refused: Counter<'writer'>
  written: Counter<'writer'>
  failures: Counter<'writer'>
  buffered: Gauge<'writer'>
}

/** The writer metrics of a registry, created once and shared by every writer (label `writer`). */
export function writerMetrics(registry: Registry): WriterMetrics {
  const existing = registry.getSingleMetric('switchboard_db_writer_dropped_total')
  if (existing !== undefined) {
    return {
      dropped: existing as Counter<'writer'>,
      refused: registry.getSingleMetric('switchboard_db_writer_refused_total') as Counter<'writer'>,
      written: registry.getSingleMetric('switchboard_db_writer_written_total') as Counter<'writer'>,
      failures: registry.getSingleMetric('switchboard_db_writer_flush_failures_total') as Counter<'writer'>,
      buffered: registry.getSingleMetric('switchboard_db_writer_buffered') as Gauge<'writer'>,
    }
  }
  const registers = [registry]
  return {
    dropped: new Counter({
      name: 'switchboard_db_writer_dropped_total',
      help: 'Records the batched writer dropped because its buffer was full (database slow or down)',
      labelNames: ['writer'],
      registers,
    }),
    refused: new Counter({
      name: 'switchboard_db_writer_refused_total',
      help: 'Records dropped because the database refused their content (data exception, SQLSTATE class 22); never retried',
      labelNames: ['writer'],
      registers,
    }),
    written: new Counter({
      name: 'switchboard_db_writer_written_total',
      help: 'Records the batched writer stored',
      labelNames: ['writer'],
      registers,
    }),
    failures: new Counter({
      name: 'switchboard_db_writer_flush_failures_total',
      help: 'Batch writes that failed (retried while the batch fits in the buffer; a batch refused for its content is split instead)',
      labelNames: ['writer'],
      registers,
    }),
    buffered: new Gauge({
      name: 'switchboard_db_writer_buffered',
      help: 'Records waiting in the batched writer',
      labelNames: ['writer'],
      registers,
    }),
  }
}

export interface BatchedWriterOptions<T> {
  /** Label in metrics and logs. */
  name: string
  /** Stores one batch; rejects when the database fails. */
  write(batch: T[]): Promise<void>
  batchSize: number
  flushMs: number
  /** Most records held at once; past it new records are dropped and counted. */
  maxBuffer: number
  /**
   * Coalescing: a record whose key is already buffered replaces it in place
   * (the newest snapshot wins and the buffer does not grow). For rows that are
   * upserted whole, such as a connection's current state.
   */
  key?: (record: T) => string
  metrics: WriterMetrics
  log: Pick<FastifyBaseLogger, 'warn' | 'error'>
}

/** A batch write cut short by a failure that is not about the records' content. */
interface Interrupted<T> {
  err: unknown
  /** Records not written yet, in order. */
  rest: T[]
}

/**
 * Keeps the database off the hot path. `push` is synchronous and O(1): the
 * caller (a WebSocket observer, a log hook) never waits and never sees a
 * database error. Records are written in batches of `batchSize`, every
 * `flushMs` or as soon as a full batch is waiting; one write at a time.
 *
 * When the database is slow or down the buffer fills up to `maxBuffer` and
 * stops there: further records are dropped and counted, a failed batch is put
 * back only as far as it fits, and one warning per interval says how many
 * were dropped. Memory stays bounded whatever the database does.
 *
 * A batch the database refuses for a record's content (SQLSTATE class 22, a
 * NUL in text for instance) would fail the same way on every retry and hold
 * back every record behind it: its halves are written on their own until the
 * refused records stand alone, and those are dropped, counted and logged.
 */
export class BatchedWriter<T> {
  readonly name: string
  readonly #opts: BatchedWriterOptions<T>
  readonly #list: T[] = []
  readonly #keyed: Map<string, T> | undefined
  readonly #dropped: Counter.Internal
  readonly #refused: Counter.Internal
  readonly #written: Counter.Internal
  readonly #failures: Counter.Internal
  readonly #buffered: Gauge.Internal<'writer'>
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> | undefined
  #closed = false
  /** Since the last report (one warning per interval). */
  #droppedSinceReport = 0
  #failureSinceReport: unknown = undefined
  readonly stats = { written: 0, dropped: 0, refused: 0, failures: 0 }

  constructor(opts: BatchedWriterOptions<T>) {
    this.name = opts.name
    this.#opts = opts
    this.#keyed = opts.key ? new Map() : undefined
    this.#dropped = opts.metrics.dropped.labels(opts.name)
    this.#refused = opts.metrics.refused.labels(opts.name)
    this.#written = opts.metrics.written.labels(opts.name)
    this.#failures = opts.metrics.failures.labels(opts.name)
    this.#buffered = opts.metrics.buffered.labels(opts.name)
    this.#buffered.set(0)
    this.#timer = setInterval(() => this.#tick(), opts.flushMs)
    this.#timer.unref()
  }

  get size(): number {
    return this.#keyed ? this.#keyed.size : this.#list.length
  }

  /** Queues a record; false when it had to be dropped (buffer full or writer closed). */
  push(record: T): boolean {
    if (this.#closed) return this.#drop(1)
    if (this.#keyed) {
      const key = this.#opts.key!(record)
      if (this.#keyed.has(key)) {
        this.#keyed.set(key, record)
        return true
      }
      if (this.#keyed.size >= this.#opts.maxBuffer) return this.#drop(1)
      this.#keyed.set(key, record)
    } else {
      if (this.#list.length >= this.#opts.maxBuffer) return this.#drop(1)
      this.#list.push(record)
    }
    const size = this.size
    this.#buffered.set(size)
    // A full batch goes out now rather than at the next tick, but never from inside the caller's stack.
    if (size >= this.#opts.batchSize && this.#flushing === undefined) setImmediate(() => void this.flush())
    return true
  }

  /**
   * Writes what is buffered, batch after batch, until the buffer is empty or a
   * write fails (the next tick retries). Concurrent calls share one run.
   */
  flush(): Promise<void> {
    this.#flushing ??= this.#run().finally(() => {
      this.#flushing = undefined
    })
    return this.#flushing
  }

  async #run(): Promise<void> {
    while (this.size > 0) {
      const interrupted = await this.#write(this.#take(this.#opts.batchSize))
      if (interrupted) {
        this.#failureSinceReport = interrupted.err
        this.#requeue(interrupted.rest)
        this.#buffered.set(this.size)
        return
      }
      this.#buffered.set(this.size)
    }
  }

  /**
   * Writes one batch. On a data exception it writes the batch's halves, and
   * their halves, in order: the good records are stored in O(refused × log n)
   * statements, and each record refused on its own is dropped. Any other
   * failure stops there and hands back what is left to retry, as before.
   */
  async #write(batch: T[]): Promise<Interrupted<T> | undefined> {
    const parts = [batch]
    while (parts.length > 0) {
      const part = parts.shift()!
      try {
        await this.#opts.write(part)
      } catch (err) {
        this.stats.failures++
        this.#failures.inc()
        if (!isDataException(err)) return { err, rest: [...part, ...parts.flat()] }
        if (part.length === 1) this.#refuse(part[0]!, err)
        else parts.unshift(part.slice(0, part.length >> 1), part.slice(part.length >> 1))
        continue
      }
      this.stats.written += part.length
      this.#written.inc(part.length)
    }
    return undefined
  }

  /** One warning per refused record: rare once inputs are cleaned where they enter, and each is a lost row. */
  #refuse(record: T, err: unknown): void {
    this.stats.refused++
    this.#refused.inc()
    this.#opts.log.warn(
      {
        writer: this.name,
        sqlState: sqlState(err),
        // the driver's message, not the error: its `where` field can quote the row
        reason: (err as Error).message,
        ...(this.#opts.key ? { key: this.#opts.key(record) } : {}),
        refusedTotal: this.stats.refused,
      },
      'database refused a record; dropped it (not retried)',
    )
  }

  #take(n: number): T[] {
    if (this.#keyed) {
      const batch: T[] = []
      for (const [key, record] of this.#keyed) {
        if (batch.length >= n) break
        batch.push(record)
        this.#keyed.delete(key)
      }
      return batch
    }
    return this.#list.splice(0, n)
  }

  /** Puts a failed batch back in front, as far as it fits; the rest is dropped and counted. */
  #requeue(batch: T[]): void {
    if (this.#keyed) {
      const merged = new Map<string, T>()
      let lost = 0
      for (const record of batch) {
        const key = this.#opts.key!(record)
        // A newer snapshot of the same key arrived meanwhile: it supersedes this one.
        if (this.#keyed.has(key)) continue
        if (merged.size + this.#keyed.size >= this.#opts.maxBuffer) lost++
        else merged.set(key, record)
      }
      for (const [k, v] of this.#keyed) merged.set(k, v)
      this.#keyed.clear()
      for (const [k, v] of merged) this.#keyed.set(k, v)
      if (lost > 0) this.#drop(lost)
      return
    }
    const room = Math.max(0, this.#opts.maxBuffer - this.#list.length)
    const kept = batch.length <= room ? batch : batch.slice(batch.length - room)
    this.#list.unshift(...kept)
    if (kept.length < batch.length) this.#drop(batch.length - kept.length)
  }

  #drop(n: number): false {
    this.stats.dropped += n
    this.#droppedSinceReport += n
    this.#dropped.inc(n)
    return false
  }

  #tick(): void {
    this.#report()
    if (this.#flushing === undefined && this.size > 0) void this.flush()
  }

  /** At most one warning per interval, however many records were dropped or writes failed. */
  #report(): void {
    const dropped = this.#droppedSinceReport
    const err = this.#failureSinceReport
    if (dropped === 0 && err === undefined) return
    this.#droppedSinceReport = 0
    this.#failureSinceReport = undefined
    this.#opts.log.warn(
      { writer: this.name, dropped, buffered: this.size, droppedTotal: this.stats.dropped, err },
      dropped > 0 ? 'database writer dropped records (database slow or down)' : 'database writer failed to write a batch; will retry',
    )
  }

  /** Stops the timer, makes one last attempt to write what is buffered, reports what was lost. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#flushing
    await this.flush()
    const lost = this.size
    if (lost > 0) {
      this.#take(lost)
      this.#drop(lost)
    }
    this.#buffered.set(0)
    this.#report()
  }
}

import { query, tableName, type Orm } from './database.ts'

/**
 * Deletes the rows of `table` matching `where` in chunks of `chunk`, so a
 * large purge never holds one long transaction or lock. Returns how many.
 */
export async function deleteInChunks(orm: Orm, table: string, where: string, params: unknown[], chunk = 5_000): Promise<number> {
  const t = tableName(orm, table)
  let total = 0
  for (;;) {
    const rows = await query<{ n: string | number }>(
      orm,
      `with gone as (delete from ${t} where ctid in (select ctid from ${t} where ${where} limit ${Math.max(1, Math.floor(chunk))}) returning 1)
       select count(*) as n from gone`,
      params,
    )
    const n = Number(rows[0]?.n ?? 0)
    total += n
    if (n < chunk) return total
  }
}

export interface RetentionLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface RetentionTask {
  name: string
  /** Deletes what is older than its own cutoff; returns how many rows went. */
  run(now: Date): Promise<number>
}

/**
 * Runs the registered retention tasks shortly after start-up and then every
 * `intervalMs`. One run at a time; a failing task is logged and the others
 * still run. Never throws into the process.
 */
export class RetentionJob {
  readonly #tasks: RetentionTask[] = []
  readonly #intervalMs: number
  readonly #log: RetentionLog
  #timer: NodeJS.Timeout | undefined
  #first: NodeJS.Timeout | undefined
  #running: Promise<Record<string, number>> | undefined

  constructor(opts: { intervalMs: number; log: RetentionLog }) {
    this.#intervalMs = opts.intervalMs
    this.#log = opts.log
  }

  add(task: RetentionTask): void {
    this.#tasks.push(task)
  }

  start(firstDelayMs = 30_000): void {
    if (this.#timer !== undefined) return
    this.#first = setTimeout(() => void this.runOnce(), firstDelayMs)
    this.#first.unref()
    this.#timer = setInterval(() => void this.runOnce(), this.#intervalMs)
    this.#timer.unref()
  }

  /** Runs every task once (concurrent calls share the run); returns rows deleted per task. */
  runOnce(now: Date = new Date()): Promise<Record<string, number>> {
    this.#running ??= this.#run(now).finally(() => {
      this.#running = undefined
    })
    return this.#running
  }

  async #run(now: Date): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {}
    for (const task of this.#tasks) {
      try {
        deleted[task.name] = await task.run(now)
      } catch (err) {
        this.#log.warn({ err, task: task.name }, 'retention task failed; next run retries')
      }
    }
    if (Object.values(deleted).some((n) => n > 0)) this.#log.info({ deleted }, 'retention: old rows deleted')
    return deleted
  }

  async stop(): Promise<void> {
    clearTimeout(this.#first)
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }
}

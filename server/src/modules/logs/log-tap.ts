import type { LogEntry } from './service-log.repository.ts'

/** pino's numeric levels. */
const PINO_LEVELS = { debug: 20, info: 30, warning: 40, error: 50 } as const

export function levelOf(pinoLevel: number): LogEntry['level'] {
  return pinoLevel >= 50 ? 'error' : pinoLevel >= 40 ? 'warning' : pinoLevel >= 30 ? 'info' : 'debug'
}

const SECRET_KEY = /token|secret|password|passwd|authorization|cookie|credential|api[-_]?key/i
const TOKEN_IN_TEXT = /(\b(?:access_)?token=)[^&\s"']+/gi
const BEARER_IN_TEXT = /(bearer\s+)[A-Za-z0-9._~+/=-]+/gi
/** Anything shaped like a JWT (base64url JSON header, payload, signature), wherever it appears. */
const JWT_IN_TEXT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g

const scrub = (s: string, max: number) =>
  s.replace(TOKEN_IN_TEXT, '$1[redacted]').replace(BEARER_IN_TEXT, '$1[redacted]').replace(JWT_IN_TEXT, '[redacted]').slice(0, max)

/** Top-level scalars only, secrets and request objects left out, strings scrubbed and clipped. */
function safeFields(source: Record<string, unknown> | undefined, into: Record<string, unknown>): void {
  if (source === undefined) return
  for (const [key, value] of Object.entries(source)) {
    if (Object.keys(into).length >= 20) return
    if (SECRET_KEY.test(key)) continue
    if (typeof value === 'string') into[key] = scrub(value, 256)
    else if (typeof value === 'number' || typeof value === 'boolean') into[key] = value
  }
}

type PinoLike = { bindings?: () => Record<string, unknown> }

/**
 * Taps the server's own pino records at or above `minLevel` into the log
 * stream. It is installed as pino's `hooks.logMethod` when the logger is
 * built and attached to a sink later (the sink exists only once the database
 * and the hub do). The record is written to the normal log first, unchanged;
 * what the sink gets is a LogEntry built from scalars, with anything that
 * looks like a secret left out or redacted. Records emitted while the sink
 * runs are not tapped again.
 */
export class LogTap {
  readonly hooks: { logMethod: (this: unknown, args: unknown[], method: (...a: unknown[]) => void, level: number) => void }
  #sink: ((entry: LogEntry) => void) | undefined
  #minLevel: number
  #inside = false

  constructor(minLevel: LogEntry['level'] = 'warning', service = 'switchboard') {
    this.#minLevel = PINO_LEVELS[minLevel]
    const capture = (logger: unknown, args: unknown[], level: number) => {
      if (this.#sink === undefined || level < this.#minLevel || this.#inside) return
      this.#inside = true
      try {
        this.#sink(toEntry(logger as PinoLike, args, level, service))
      } catch {
        // the log stream is best-effort; the record itself is already written
      } finally {
        this.#inside = false
      }
    }
    this.hooks = {
      logMethod(args, method, level) {
        method.apply(this, args)
        capture(this, args, level)
      },
    }
  }

  attach(sink: (entry: LogEntry) => void, minLevel?: LogEntry['level']): void {
    this.#sink = sink
    if (minLevel !== undefined) this.#minLevel = PINO_LEVELS[minLevel]
  }

  detach(): void {
    this.#sink = undefined
  }
}

function toEntry(logger: PinoLike, args: unknown[], level: number, service: string): LogEntry {
  const [first, second] = args
  const obj = typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : undefined
  const err = first instanceof Error ? first : obj?.err instanceof Error ? obj.err : undefined
  const msg = typeof first === 'string' ? first : typeof second === 'string' ? second : (err?.message ?? '')
  const bindings = typeof logger.bindings === 'function' ? logger.bindings() : undefined
  const metadata: Record<string, unknown> = {}
  safeFields(bindings, metadata)
  if (!(first instanceof Error)) safeFields(obj, metadata)
  if (err !== undefined) metadata.error = scrub(err.message, 1024)
  const context = typeof metadata.room === 'string' ? metadata.room : typeof metadata.module === 'string' ? metadata.module : undefined
  return {
    timestamp: new Date().toISOString(),
    level: levelOf(level),
    service,
    ...(context ? { context } : {}),
    message: scrub(msg, 8192),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    ...(err?.stack ? { stack: scrub(err.stack, 16384) } : {}),
  }
}

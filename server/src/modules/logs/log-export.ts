import { Readable } from 'node:stream'
import { LOG_EXPORT_COLUMNS, type WebsocketLogRecord } from '@switchboard/shared'

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
 * A text cell starting with = + - @ (or a tab/CR) is prefixed with `'` so a
 * spreadsheet never runs an exported log message as a formula.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  let s = typeof value === 'object' ? JSON.stringify(value) : String(value)
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

export function csvRow(record: WebsocketLogRecord): string {
  return LOG_EXPORT_COLUMNS.map((c) => csvField(record[c])).join(',') + '\r\n'
}

/** CSV export: header, then one line per record, pulled from `records` as the client reads. */
export function csvStream(records: AsyncIterable<WebsocketLogRecord>): Readable {
  return Readable.from(
    (async function* () {
      yield LOG_EXPORT_COLUMNS.join(',') + '\r\n'
      for await (const r of records) yield csvRow(r)
    })(),
    { objectMode: false },
  )
}

/** JSON export: one array, written element by element (never built in memory). */
export function jsonStream(records: AsyncIterable<WebsocketLogRecord>): Readable {
  return Readable.from(
    (async function* () {
      yield '['
      let first = true
      for await (const r of records) {
        yield (first ? '\n' : ',\n') + JSON.stringify(r)
        first = false
      }
      yield first ? ']\n' : '\n]\n'
    })(),
    { objectMode: false },
  )
}

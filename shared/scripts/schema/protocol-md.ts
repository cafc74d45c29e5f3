/**
 * The tables of shared/PROTOCOL.md that mirror code (event catalog, error
 * codes, close codes), rendered from shared/src and spliced between
 * `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` markers.
 */
import {
  CLIENT_FRAME_SCHEMAS,
  CLOSE_CODE_REASONS,
  CLOSE_CODES,
  ERROR_CODES,
  isTerminalCloseCode,
  SERVER_FRAME_SCHEMAS,
  type CloseCode,
} from '../../src/index.ts'
import { deviceEvents } from '../../src/events/devices.ts'
import { eventStoreEvents } from '../../src/events/event-store.ts'
import { logEvents } from '../../src/events/logs.ts'
import { notificationEvents } from '../../src/events/notifications.ts'
import { operationsEvents } from '../../src/events/operations.ts'
import { salesEvents } from '../../src/events/sales.ts'
import { plain, type Json, type JsonObject } from './json-schema.ts'

/** Source file of each family, so a reader can find the schema. */
const FAMILIES: [string, Record<string, unknown>][] = [
  ['events/operations.ts', operationsEvents],
  ['events/notifications.ts', notificationEvents],
  ['events/devices.ts', deviceEvents],
  ['events/sales.ts', salesEvents],
  ['events/event-store.ts', eventStoreEvents],
  ['events/logs.ts', logEvents],
]

/** A short TypeScript-like rendering of a JSON Schema, for tables. */
export function describeType(schema: Json | undefined): string {
  if (schema === undefined || schema === null || typeof schema !== 'object' || Array.isArray(schema)) return 'any'
  const s = schema as JsonObject
  if ('const' in s) return JSON.stringify(s['const'])
  if (Array.isArray(s['anyOf'])) return s['anyOf'].map(describeType).join(' \\| ')
  switch (s['type']) {
    case 'array':
      return `${wrap(describeType(s['items']))}[]`
    case 'object': {
      if (s['properties']) return `{${Object.keys(s['properties'] as JsonObject).join(', ')}}`
      const pattern = s['patternProperties'] as JsonObject | undefined
      const value = pattern ? Object.values(pattern)[0] : undefined
      return `Record<string, ${describeType(value)}>`
    }
    case undefined:
      return 'any'
    default:
      return String(s['type'])
  }
}

const wrap = (t: string) => (t.includes('|') ? `(${t})` : t)

function fields(schema: unknown): string {
  const s = plain(schema)
  const props = (s['properties'] ?? {}) as JsonObject
  const required = new Set((s['required'] ?? []) as string[])
  return Object.entries(props)
    .map(([name, p]) => `\`${name}${required.has(name) ? '' : '?'}: ${describeType(p)}\``)
    .join('<br>')
}

export function eventTable(): string {
  const rows = ['| type | `data` fields (`?` = optional) | schema |', '| --- | --- | --- |']
  for (const [file, family] of FAMILIES) {
    for (const [type, schema] of Object.entries(family)) rows.push(`| \`${type}\` | ${fields(schema)} | \`${file}\` |`)
  }
  return rows.join('\n')
}

export function errorTable(): string {
  const rows = ['| code | temporary | meaning |', '| --- | --- | --- |']
  for (const [code, { temporary, message }] of Object.entries(ERROR_CODES)) rows.push(`| \`${code}\` | ${temporary} | ${message} |`)
  return rows.join('\n')
}

export function closeCodeTable(): string {
  const entries = (Object.entries(CLOSE_CODES) as [string, CloseCode][]).sort((a, b) => a[1] - b[1])
  const table = (title: string, rows: [string, CloseCode][]) =>
    [`**${title}**`, '', '| code | name | meaning |', '| --- | --- | --- |', ...rows.map(([name, code]) => `| ${code} | \`${name}\` | ${CLOSE_CODE_REASONS[code]} |`)].join('\n')
  return [
    table('Terminal: do not reconnect', entries.filter(([, code]) => isTerminalCloseCode(code))),
    table('Reconnect with backoff', entries.filter(([, code]) => !isTerminalCloseCode(code))),
  ].join('\n\n')
}

export function reservedTypes(): string {
  const list = (types: string[]) => types.map((t) => `\`${t}\``).join(', ')
  return [
    `- server to client: ${list(Object.keys(SERVER_FRAME_SCHEMAS))}`,
    `- client to server: ${list(Object.keys(CLIENT_FRAME_SCHEMAS))}`,
  ].join('\n')
}

export const GENERATED_SECTIONS: Record<string, () => string> = {
  'reserved-types': reservedTypes,
  events: eventTable,
  errors: errorTable,
  'close-codes': closeCodeTable,
}

export class MarkerError extends Error {
  override name = 'MarkerError'
}

/** Replaces every generated section of `markdown`; each marker pair must be present exactly once. */
export function renderProtocolMd(markdown: string): string {
  let out = markdown
  for (const [name, render] of Object.entries(GENERATED_SECTIONS)) {
    const open = `<!-- generated:${name} -->`
    const close = `<!-- /generated:${name} -->`
    const start = out.indexOf(open)
    const end = out.indexOf(close)
    if (start < 0 || end < start || out.indexOf(open, start + 1) >= 0) {
      throw new MarkerError(`PROTOCOL.md needs exactly one "${open}" ... "${close}" pair`)
    }
    out = `${out.slice(0, start + open.length)}\n${render()}\n${out.slice(end)}`
  }
  return out
}

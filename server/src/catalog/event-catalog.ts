import { readFileSync } from 'node:fs'
import { EVENT_CATALOG, EVENT_TYPE_PATTERN, RESERVED_FRAME_TYPES, type CatalogEntry } from '@switchboard/shared'
import type { TSchema } from 'typebox'
import { Compile, type Validator } from 'typebox/compile'

export interface CatalogIssue {
  path: string
  message: string
}

/**
 * Event type -> compiled payload validator: the built-in catalog from shared/
 * plus event types an operator registers at start-up with a JSON file
 * `{ "<type>": <JSON Schema of data>, ... }` (EVENT_SCHEMAS_FILE).
 */
export class EventCatalog {
  readonly #validators = new Map<string, Validator>()
  readonly #schemas = new Map<string, unknown>()

  constructor(extraSchemasFile?: string) {
    for (const [type, schema] of Object.entries(EVENT_CATALOG)) this.#add(type, schema)
    if (extraSchemasFile) {
      const parsed = JSON.parse(readFileSync(extraSchemasFile, 'utf8')) as Record<string, unknown>
      for (const [type, schema] of Object.entries(parsed)) {
        if (!new RegExp(EVENT_TYPE_PATTERN).test(type)) throw new Error(`${extraSchemasFile}: invalid event type "${type}"`)
        if (RESERVED_FRAME_TYPES.has(type) || type.startsWith('presence:')) throw new Error(`${extraSchemasFile}: "${type}" is a reserved frame type`)
        if (this.#validators.has(type)) throw new Error(`${extraSchemasFile}: "${type}" is already in the catalog`)
        if (typeof schema !== 'object' || schema === null) throw new Error(`${extraSchemasFile}: schema of "${type}" must be an object`)
        this.#add(type, schema as TSchema)
      }
    }
  }

  #add(type: string, schema: TSchema): void {
    this.#validators.set(type, Compile(schema))
    this.#schemas.set(type, schema)
  }

  has(type: string): boolean {
    return this.#validators.has(type)
  }

  types(): string[] {
    return [...this.#validators.keys()]
  }

  /** Every type with its data schema, built-in ones first (`GET /api/catalog`). */
  entries(): CatalogEntry[] {
    return [...this.#schemas].map(([type, schema]) => ({ type, builtIn: Object.hasOwn(EVENT_CATALOG, type), schema }))
  }

  schemaOf(type: string): unknown {
    return this.#schemas.get(type)
  }

  /** null when `data` is valid for `type`, else the issues (at most 20). */
  validate(type: string, data: unknown): CatalogIssue[] | null {
    const v = this.#validators.get(type)
    if (v === undefined) return [{ path: '/type', message: `unknown event type "${type}"` }]
    if (v.Check(data)) return null
    return v
      .Errors(data)
      .slice(0, 20)
      .map((e) => ({ path: `/data${e.instancePath}`, message: e.message }))
  }
}

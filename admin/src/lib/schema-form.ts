/**
 * Builds a form from an event's JSON Schema (the TypeBox schemas of the
 * catalog are plain JSON Schema), and turns the form's text inputs back into
 * the event's `data`. Anything without an obvious widget (arrays of objects,
 * records, mixed unions) is edited as JSON, so every catalogued event can be sent.
 */
export type JsonSchema = {
  type?: string | string[]
  const?: unknown
  anyOf?: JsonSchema[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  description?: string
  default?: unknown
  [key: string]: unknown
}

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'string-or-number' | 'json'

export interface FormField {
  name: string
  kind: FieldKind
  required: boolean
  /** The field also accepts null (an empty input sends null when required). */
  nullable: boolean
  options: string[]
  /** For an `enum`, a `boolean`, or a constant: what the input starts with. */
  initial: string
  hint: string
  minLength?: number
  maxLength?: number
}

const isNull = (s: JsonSchema) => s.type === 'null'

export function fieldsOf(schema: JsonSchema): FormField[] {
  const required = new Set(schema.required ?? [])
  return Object.entries(schema.properties ?? {}).map(([name, raw]) => fieldOf(name, raw, required.has(name)))
}

function fieldOf(name: string, raw: JsonSchema, required: boolean): FormField {
  let schema = raw
  let nullable = false
  if (raw.anyOf) {
    const rest = raw.anyOf.filter((s) => !isNull(s))
    nullable = rest.length < raw.anyOf.length
    if (rest.length === 1 && rest[0]) schema = rest[0]
  }
  const base = { name, required, nullable, options: [] as string[], initial: '', hint: '' }
  const literals = schema.anyOf?.filter((s) => !isNull(s))
  if (literals && literals.length > 0 && literals.every((s) => typeof s.const === 'string')) {
    const options = literals.map((s) => s.const as string)
    return { ...base, kind: 'enum', options, initial: required ? (options[0] ?? '') : '', hint: '' }
  }
  if (literals && literals.length === 2 && literals.some((s) => s.type === 'string') && literals.some((s) => s.type === 'integer' || s.type === 'number')) {
    return { ...base, kind: 'string-or-number', hint: 'text or number' }
  }
  if (typeof schema.const === 'string') return { ...base, kind: 'enum', options: [schema.const], initial: schema.const }
  if (typeof schema.const === 'boolean') return { ...base, kind: 'boolean', initial: String(schema.const) }
  switch (schema.type) {
    case 'string':
      return {
        ...base,
        kind: 'string',
        ...(schema.minLength !== undefined && { minLength: schema.minLength }),
        ...(schema.maxLength !== undefined && { maxLength: schema.maxLength }),
        hint: '',
      }
    case 'integer':
      return { ...base, kind: 'integer', hint: rangeHint(schema, 'whole number') }
    case 'number':
      return { ...base, kind: 'number', hint: rangeHint(schema, 'number') }
    case 'boolean':
      return { ...base, kind: 'boolean', initial: required ? 'false' : '' }
    default:
      return { ...base, kind: 'json', hint: schema.type === 'array' ? 'JSON array' : 'JSON value' }
  }
}

function rangeHint(s: JsonSchema, what: string): string {
  if (s.minimum !== undefined && s.maximum !== undefined) return `${what}, ${s.minimum}–${s.maximum}`
  if (s.minimum !== undefined) return `${what} ≥ ${s.minimum}`
  return what
}

export interface BuildResult {
  data: Record<string, unknown>
  errors: Record<string, string>
}

/**
 * Form inputs (all strings, as inputs give them) -> the event's `data`.
 * An empty optional input is left out; an empty required nullable one sends null.
 */
export function buildData(fields: FormField[], inputs: Record<string, string>): BuildResult {
  const data: Record<string, unknown> = {}
  const errors: Record<string, string> = {}
  for (const f of fields) {
    const text = (inputs[f.name] ?? f.initial).trim()
    if (text === '') {
      if (!f.required) continue
      if (f.nullable) data[f.name] = null
      else if (f.kind === 'string' && !f.minLength) data[f.name] = ''
      else errors[f.name] = 'required'
      continue
    }
    switch (f.kind) {
      case 'string': {
        const value = inputs[f.name] ?? f.initial
        if (f.minLength !== undefined && value.length < f.minLength) errors[f.name] = `at least ${f.minLength} characters`
        else if (f.maxLength !== undefined && value.length > f.maxLength) errors[f.name] = `at most ${f.maxLength} characters`
        else data[f.name] = value
        break
      }
      case 'enum':
        data[f.name] = inputs[f.name] ?? f.initial
        break
      case 'integer':
      case 'number': {
        const n = Number(text)
        if (!Number.isFinite(n)) errors[f.name] = 'not a number'
        else if (f.kind === 'integer' && !Number.isInteger(n)) errors[f.name] = 'not a whole number'
        else data[f.name] = n
        break
      }
      case 'string-or-number':
        data[f.name] = /^-?\d+$/.test(text) ? Number(text) : text
        break
      case 'boolean':
        if (text !== 'true' && text !== 'false') errors[f.name] = 'true or false'
        else data[f.name] = text === 'true'
        break
      case 'json':
        try {
          data[f.name] = JSON.parse(text)
        } catch {
          errors[f.name] = 'not valid JSON'
        }
        break
    }
  }
  return { data, errors }
}

/** A ready-to-send example of `data` for a schema: what the form starts with in its JSON view. */
export function exampleOf(schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const
  if (schema.default !== undefined) return schema.default
  if (schema.anyOf) {
    const first = schema.anyOf.find((s) => !isNull(s)) ?? schema.anyOf[0]
    return first ? exampleOf(first) : null
  }
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const name of schema.required ?? []) {
        const prop = schema.properties?.[name]
        if (prop) out[name] = exampleOf(prop)
      }
      return out
    }
    case 'array':
      return []
    case 'string':
      return 'example'.slice(0, Math.max(schema.minLength ?? 0, Math.min(7, schema.maxLength ?? 7)))
    case 'integer':
    case 'number':
      return schema.minimum ?? 1
    case 'boolean':
      return false
    case 'null':
      return null
    default:
      return null
  }
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000: a row carrying one is refused
 * whole (22P05 / 22021). Strings from outside (a client's close reason, a
 * backend's log entry) go through here where they enter, so the row is stored
 * with U+FFFD in its place, a visible mark that something was there, rather
 * than dropped by the batched writer.
 */
const NUL = '\u0000'
const REPLACEMENT = '\uFFFD'

export function storableText(s: string): string {
  return s.includes(NUL) ? s.replaceAll(NUL, REPLACEMENT) : s
}

/**
 * The same for a JSON value (metadata), keys included. Returns the value
 * itself when it holds no NUL, so the common case allocates nothing.
 */
export function storableJson<T>(value: T): T {
  return (hasNul(value) ? clean(value) : value) as T
}

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL)
  if (Array.isArray(value)) return value.some(hasNul)
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k.includes(NUL) || hasNul(v)) return true
  }
  return false
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value)
  if (Array.isArray(value)) return value.map(clean)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), clean(v)]))
  }
  return value
}

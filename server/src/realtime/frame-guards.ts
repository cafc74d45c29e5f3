/**
 * Checks on a client frame before it is trusted: nesting depth (measured on
 * the raw text, so a 1,000,000-deep array is refused before JSON.parse builds
 * it and before anything could try to re-serialise it) and keys that would
 * reach Object.prototype once the value is spread or merged.
 */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (inString) {
      if (ch === 92 /* \ */) i++
      else if (ch === 34 /* " */) inString = false
    } else if (ch === 34) inString = true
    else if (ch === 123 /* { */ || ch === 91 /* [ */) {
      if (++depth > maxDepth) return true
    } else if (ch === 125 /* } */ || ch === 93 /* ] */) depth--
  }
  return false
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** Depth is already bounded by jsonDepthExceeds, so recursion here is safe. */
export function findForbiddenKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findForbiddenKey(item)
      if (found !== undefined) return found
    }
    return undefined
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key
    const found = findForbiddenKey((value as Record<string, unknown>)[key])
    if (found !== undefined) return found
  }
  return undefined
}

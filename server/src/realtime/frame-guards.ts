/**
 * Checks on a client frame before it is trusted: nesting depth (measured on
 * the raw text, so a 1,000,000-deep array is refused before JSON.parse builds
 * it and before anything could try to re-serialise it) and keys that would
 * reach Object.prototype once the value is spread or merged.
 */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (ch === 34 /* " */) {
      // a string is skipped in one native search for its closing quote (one not
      // escaped by an odd run of backslashes): a 64 KB value costs no JS loop
      let end = text.indexOf('"', i + 1)
      while (end !== -1 && escaped(text, end)) end = text.indexOf('"', end + 1)
      if (end === -1) return false // unterminated: JSON.parse refuses it
      i = end
    } else if (ch === 123 /* { */ || ch === 91 /* [ */) {
      if (++depth > maxDepth) return true
    } else if (ch === 125 /* } */ || ch === 93 /* ] */) depth--
  }
  return false
}

/**
 * True when JSON text holds a U+0000 (always escaped as \u0000 in valid JSON;
 * an escaped backslash followed by "u0000" is not one). PostgreSQL cannot
 * store it in text or jsonb.
 */
export function jsonHasNul(text: string): boolean {
  for (let at = text.indexOf('u0000'); at !== -1; at = text.indexOf('u0000', at + 5)) {
    if (text.charCodeAt(at - 1) === 92 /* \ */ && escaped(text, at)) return true
  }
  return false
}

/** True when the quote at `at` is preceded by an odd number of backslashes. */
function escaped(text: string, at: number): boolean {
  let n = 0
  while (text.charCodeAt(at - 1 - n) === 92 /* \ */) n++
  return n % 2 === 1
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** Depth is already bounded by jsonDepthExceeds, so recursion here is safe. */
export function findForbiddenKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findForbiddenKey(value[i])
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

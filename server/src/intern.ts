/**
 * Values that repeat across thousands of connections (tenants, role lists,
 * client addresses, origins, user agents) are kept once and shared: each
 * connection would otherwise hold its own copy, parsed from its own token or
 * request. Bounded in entries and in key length: past either, a value is used
 * as it is, not shared, so hostile input can fill a table but never grow it.
 */
export class InternTable<T> {
  readonly #table = new Map<string, T>()
  readonly #maxEntries: number
  readonly #maxKeyLength: number

  constructor(maxEntries = 10_000, maxKeyLength = 256) {
    this.#maxEntries = maxEntries
    this.#maxKeyLength = maxKeyLength
  }

  /** The value already kept for `key`, else `value` (kept while there is room). */
  intern(key: string, value: T): T {
    const known = this.#table.get(key)
    if (known !== undefined) return known
    if (this.#table.size < this.#maxEntries && key.length <= this.#maxKeyLength) this.#table.set(key, value)
    return value
  }

  /** The value kept for `key`, if any (nothing is kept). */
  lookup(key: string): T | undefined {
    return this.#table.get(key)
  }

  get size(): number {
    return this.#table.size
  }
}

/** Interns strings themselves: `strings.of(s)` is the one shared copy of `s`. */
export class StringTable extends InternTable<string> {
  of<S extends string | undefined>(s: S): S {
    return (s === undefined ? s : this.intern(s, s)) as S
  }
}

/**
 * The live tail of the Logs page: newest first, bounded, and pausable. While
 * paused, arrivals wait (bounded too) and are counted, so the operator reads
 * a still list and then catches up in one step; nothing shifts under the cursor.
 */
export interface TailState<T> {
  items: readonly T[]
  /** Arrivals held back while paused, newest first. */
  held: readonly T[]
  paused: boolean
  /** Arrivals that did not fit (oldest ones fall off first). */
  discarded: number
}

export function emptyTail<T>(): TailState<T> {
  return { items: [], held: [], paused: false, discarded: 0 }
}

export function push<T>(s: TailState<T>, entry: T, limit: number): TailState<T> {
  if (s.paused) {
    const held = [entry, ...s.held]
    const over = Math.max(0, held.length - limit)
    return { ...s, held: over ? held.slice(0, limit) : held, discarded: s.discarded + over }
  }
  const items = [entry, ...s.items]
  const over = Math.max(0, items.length - limit)
  return { ...s, items: over ? items.slice(0, limit) : items, discarded: s.discarded + over }
}

export function pause<T>(s: TailState<T>): TailState<T> {
  return s.paused ? s : { ...s, paused: true }
}

export function resume<T>(s: TailState<T>, limit: number): TailState<T> {
  if (!s.paused) return s
  const items = [...s.held, ...s.items]
  const over = Math.max(0, items.length - limit)
  return { items: over ? items.slice(0, limit) : items, held: [], paused: false, discarded: s.discarded + over }
}

export function clear<T>(s: TailState<T>): TailState<T> {
  return { ...s, items: [], held: [], discarded: 0 }
}

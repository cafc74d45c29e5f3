import type { AuthSuccessFrame } from '../frames/server-frames.ts'

const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Schedules the re-authentication of a live connection `marginMs` before its
 * token expires (the server closes with 4104 at `expiresAt` otherwise).
 */
export class TokenRefresh {
  readonly #marginMs: number
  readonly #refresh: () => void
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(marginMs: number, refresh: () => void) {
    this.#marginMs = marginMs
    this.#refresh = refresh
  }

  schedule(session: AuthSuccessFrame): void {
    this.cancel()
    if (this.#marginMs <= 0 || !session.expiresAt) return
    const expiresAt = Date.parse(session.expiresAt)
    if (Number.isNaN(expiresAt)) return
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - this.#marginMs - Date.now()))
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#refresh()
    }, delay)
  }

  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }
}

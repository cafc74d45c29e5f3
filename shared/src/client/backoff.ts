/**
 * Reconnect delays: exponential growth capped at `maxDelayMs`, with jitter so
 * that a restarted server is not hit by every client at the same instant
 * (reference 000: 3 s initial, 30 s max, randomisation factor 0.5, 10 attempts).
 *
 * The jitter is drawn uniformly over the randomised fraction of the capped
 * delay ("full jitter" within that window):
 *   base  = min(maxDelayMs, initialDelayMs * multiplier ^ attempt)
 *   delay = base * (1 - randomizationFactor * random())      in [base * (1 - f), base]
 * so factor 1 is AWS's "Full Jitter" (uniform in [0, base]), 0 no jitter, and a
 * delay never exceeds `maxDelayMs`.
 */
export interface BackoffOptions {
  /** Delay before the first reconnect attempt (before jitter). Default 3000. */
  initialDelayMs?: number
  /** Upper bound of any delay. Default 30000. */
  maxDelayMs?: number
  /** Growth per attempt. Default 2. */
  multiplier?: number
  /** Fraction of the delay that is random, 0..1. Default 0.5. */
  randomizationFactor?: number
  /** Attempts before giving up; `Infinity` never gives up. Default 10. */
  maxAttempts?: number
  /** Source of randomness in [0, 1); injectable for tests. Default Math.random. */
  random?: () => number
}

export const DEFAULT_BACKOFF = {
  initialDelayMs: 3000,
  maxDelayMs: 30_000,
  multiplier: 2,
  randomizationFactor: 0.5,
  maxAttempts: 10,
} as const

export class BackoffOptionError extends RangeError {
  override name = 'BackoffOptionError'
}

/** The delay of attempt number `attempt` (0-based), for a given random draw in [0, 1). */
export function backoffDelay(attempt: number, options: Required<Omit<BackoffOptions, 'random' | 'maxAttempts'>>, draw: number): number {
  const exponent = Math.min(attempt, 64) // beyond this the cap applies anyway; avoids Infinity * 0
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** exponent)
  const clampedDraw = Math.min(Math.max(draw, 0), 1)
  return Math.round(base * (1 - options.randomizationFactor * clampedDraw))
}

/** Counts attempts and hands out delays until `maxAttempts` is reached. */
export class Backoff {
  readonly #options: Required<Omit<BackoffOptions, 'random'>>
  readonly #random: () => number
  #attempt = 0

  constructor(options: BackoffOptions = {}) {
    const merged = { ...DEFAULT_BACKOFF, ...stripUndefined(options) }
    if (!(merged.initialDelayMs >= 0)) throw new BackoffOptionError('initialDelayMs must be >= 0')
    if (!(merged.maxDelayMs >= merged.initialDelayMs)) throw new BackoffOptionError('maxDelayMs must be >= initialDelayMs')
    if (!(merged.multiplier >= 1)) throw new BackoffOptionError('multiplier must be >= 1')
    if (!(merged.randomizationFactor >= 0 && merged.randomizationFactor <= 1)) {
      throw new BackoffOptionError('randomizationFactor must be within 0..1')
    }
    if (!(merged.maxAttempts >= 0)) throw new BackoffOptionError('maxAttempts must be >= 0')
    this.#options = {
      initialDelayMs: merged.initialDelayMs,
      maxDelayMs: merged.maxDelayMs,
      multiplier: merged.multiplier,
      randomizationFactor: merged.randomizationFactor,
      maxAttempts: merged.maxAttempts,
    }
    this.#random = options.random ?? Math.random
  }

  /** Attempts handed out since the last reset. */
  get attempt(): number {
    return this.#attempt
  }

  get maxAttempts(): number {
    return this.#options.maxAttempts
  }

  /** The next delay in ms, or `null` once `maxAttempts` delays have been handed out. */
  next(): number | null {
    if (this.#attempt >= this.#options.maxAttempts) return null
    const delay = backoffDelay(this.#attempt, this.#options, this.#random())
    this.#attempt++
    return delay
  }

  /** Call after a successful connection: the next failure starts from the initial delay again. */
  reset(): void {
    this.#attempt = 0
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

import type { Redis } from 'ioredis'
import type { RedisKeys } from '../redis/keys.ts'
import { LuaScript } from '../redis/lua-script.ts'

/**
 * Named leases: at most one instance of the cluster holds a name at a time
 * (one Shelly Cloud connection per account, whichever instance runs it). A
 * lease lasts `ttlMs` unless renewed; the holder renews it well before, and
 * when the holder dies another instance takes it once it has expired.
 *
 * A holder that cannot reach Redis cannot renew: `renew` then reports the
 * lease lost as soon as its time is up by the holder's own clock, so it stops
 * before another instance can have taken over (never two holders at once,
 * barring clocks that run at different speeds by more than the margin).
 */
export interface Leases {
  /** Takes `name` for this instance when it is free (or already this instance's). Rejects when the store is unreachable. */
  acquire(name: string): Promise<boolean>
  /** Renews the names held; returns the ones this instance no longer holds. Never rejects. */
  renew(names: readonly string[]): Promise<string[]>
  /** Gives `name` up if this instance holds it (clean stop). Never rejects. */
  release(name: string): Promise<void>
}

/** One instance: every lease is its own. */
export class LocalLeases implements Leases {
  async acquire(): Promise<boolean> {
    return true
  }
  async renew(): Promise<string[]> {
    return []
  }
  async release(): Promise<void> {}
}

// Take when free or ours, and (re)set the expiry: acquiring and renewing are one step.
const TAKE = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`)

const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

/** Renewal keeps this share of the lease as a margin against a slow round trip. */
const SAFETY = 0.8

export class RedisLeases implements Leases {
  readonly #redis: Redis
  readonly #keys: RedisKeys
  readonly #holder: string
  readonly #ttlMs: number
  /** name -> until when (local clock) this instance may act as the holder. */
  readonly #held = new Map<string, number>()

  constructor(opts: { redis: Redis; keys: RedisKeys; instanceId: string; ttlMs: number }) {
    this.#redis = opts.redis
    this.#keys = opts.keys
    this.#holder = opts.instanceId
    this.#ttlMs = opts.ttlMs
  }

  async acquire(name: string): Promise<boolean> {
    const started = Date.now()
    const got = (await TAKE.run(this.#redis, [this.#keys.lease(name)], [this.#holder, this.#ttlMs])) === 1
    if (got) this.#held.set(name, started + this.#ttlMs * SAFETY)
    else this.#held.delete(name)
    return got
  }

  async renew(names: readonly string[]): Promise<string[]> {
    const lost: string[] = []
    await Promise.all(
      names.map(async (name) => {
        try {
          if (!(await this.acquire(name))) lost.push(name)
        } catch {
          // unreachable: held until its time is up, not a moment longer
          const until = this.#held.get(name)
          if (until === undefined || Date.now() >= until) {
            this.#held.delete(name)
            lost.push(name)
          }
        }
      }),
    )
    return lost
  }

  async release(name: string): Promise<void> {
    this.#held.delete(name)
    try {
      await RELEASE.run(this.#redis, [this.#keys.lease(name)], [this.#holder])
    } catch {
      // unreachable: the lease expires by itself
    }
  }
}

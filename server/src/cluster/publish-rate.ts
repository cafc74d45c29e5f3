import type { Redis } from 'ioredis'
import type { RedisKeys } from '../redis/keys.ts'
import { LuaScript } from '../redis/lua-script.ts'

/** PUBLISH_RATE_PER_TENANT: events a tenant may publish per second over HTTP. */
export interface PublishRateLimiter {
  /** True when `count` more events (one by default) fit in the tenant's current second. */
  take(tenant: string, count?: number): Promise<boolean>
}

/** One fixed one-second window per tenant, in memory (a single instance). */
export class MemoryPublishRate implements PublishRateLimiter {
  readonly #limit: number
  readonly #now: () => number
  #second = 0
  #counts = new Map<string, number>()

  constructor(limit: number, now: () => number = Date.now) {
    this.#limit = limit
    this.#now = now
  }

  take(tenant: string, count = 1): Promise<boolean> {
    const second = Math.floor(this.#now() / 1000)
    if (second !== this.#second) {
      this.#second = second
      this.#counts = new Map()
    }
    const n = (this.#counts.get(tenant) ?? 0) + count
    this.#counts.set(tenant, n)
    return Promise.resolve(n <= this.#limit)
  }
}

const INCR_WINDOW = new LuaScript(`
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`)

/**
 * The same window shared by every instance: one INCRBY per publish on a key
 * per tenant and second, which expires by itself. When Redis cannot answer
 * the publish is let through: it fails on the bus with 503 anyway.
 */
export class RedisPublishRate implements PublishRateLimiter {
  readonly #redis: Redis
  readonly #keys: RedisKeys
  readonly #limit: number
  readonly #now: () => number

  constructor(redis: Redis, keys: RedisKeys, limit: number, now: () => number = Date.now) {
    this.#redis = redis
    this.#keys = keys
    this.#limit = limit
    this.#now = now
  }

  async take(tenant: string, count = 1): Promise<boolean> {
    try {
      const n = await INCR_WINDOW.run(this.#redis, [this.#keys.publishRate(tenant, Math.floor(this.#now() / 1000))], [2_000, count])
      return Number(n) <= this.#limit
    } catch {
      return true
    }
  }
}

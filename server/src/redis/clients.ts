import { Redis, type RedisOptions } from 'ioredis'

/** What the Redis pieces log through (pino's child loggers fit). */
export interface RedisLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface RedisClientSettings {
  url: string
  /** Shows in `CLIENT LIST`: `<instance>:<role>`. */
  name: string
  commandTimeoutMs: number
  connectTimeoutMs: number
  log?: RedisLog | undefined
}

/**
 * Reconnect forever, quickly at first: an instance never gives up on Redis
 * (it runs degraded meanwhile). The jitter spreads a cluster's reconnects.
 */
export function redisRetryDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 6), 2_000) + Math.floor(Math.random() * 100)
}

/**
 * The command connection (publishes, scripts, registry, presence, limits).
 * No offline queue and a command timeout: while Redis is away every call
 * fails at once instead of piling up in memory, so a publish answers 503
 * fast. Auto-pipelining batches the commands issued in one tick into one
 * write (a burst of publishes costs one round trip).
 */
export function commandClient(s: RedisClientSettings): Redis {
  return watch(
    new Redis(s.url, {
      ...common(s),
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      commandTimeout: s.commandTimeoutMs,
      maxRetriesPerRequest: 0,
    }),
    s,
  )
}

/**
 * The subscriber connection. Its offline queue stays on: a SUBSCRIBE asked
 * while Redis is away is sent when it returns, and ioredis re-subscribes
 * every channel of the previous connection by itself (autoResubscribe).
 */
export function subscriberClient(s: RedisClientSettings): Redis {
  return watch(
    new Redis(s.url, {
      ...common(s),
      enableOfflineQueue: true,
      autoResubscribe: true,
      maxRetriesPerRequest: null,
    }),
    s,
  )
}

function common(s: RedisClientSettings): RedisOptions {
  return {
    connectionName: s.name,
    connectTimeout: s.connectTimeoutMs,
    retryStrategy: redisRetryDelay,
    // a silent peer (cable cut, paused VM) is detected by TCP keep-alive rather than never
    keepAlive: 5_000,
  }
}

/**
 * An unhandled 'error' event would crash the process: log state changes once
 * (not every failed reconnect attempt).
 */
function watch(redis: Redis, s: RedisClientSettings): Redis {
  let down = false
  redis.on('error', (err: Error) => {
    if (down) return
    down = true
    s.log?.warn({ err: { message: err.message }, connection: s.name }, 'redis connection lost; retrying')
  })
  redis.on('ready', () => {
    if (!down) return
    down = false
    s.log?.info({ connection: s.name }, 'redis connection back')
  })
  return redis
}

/** Closes a client whatever its state: QUIT when connected (pending replies arrive first), else drop it. */
export async function closeClient(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit()
      return
    } catch {
      // fall through
    }
  }
  redis.disconnect()
}

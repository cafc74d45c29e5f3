import { RESTRICTED_CHANNELS } from '@switchboard/shared'
import { RedisBus } from '../bus/redis-bus.ts'
import type { Config } from '../config.ts'
import type { HistoryPolicy } from '../history/history.ts'
import { RedisHistory } from '../history/redis-history.ts'
import type { RedisLog } from './clients.ts'
import { RedisKeys } from './keys.ts'

/** What REDIS_URL turns on: the bus (which owns the two connections) and the history in Redis Streams. */
export interface RedisBackend {
  keys: RedisKeys
  bus: RedisBus
  history: RedisHistory
}

/**
 * Builds the Redis pieces without waiting for Redis: an instance whose Redis
 * is unreachable at start starts anyway, degraded (health says so, publishes
 * answer 503), and keeps reconnecting; everything resumes when Redis answers.
 */
export function redisBackend(config: Config, instanceId: string, log: RedisLog, policyOfKey: (streamKey: string) => HistoryPolicy): RedisBackend {
  const keys = new RedisKeys(config.REDIS_PREFIX)
  const bus = new RedisBus({
    url: config.REDIS_URL,
    keys,
    instanceId,
    systemChannels: new Set(Object.keys(RESTRICTED_CHANNELS)),
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
    log,
  })
  const history = new RedisHistory(bus.commands, keys, policyOfKey)
  return { keys, bus, history }
}

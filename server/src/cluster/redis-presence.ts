import type { Redis } from 'ioredis'
import { dec, enc, presenceSuffix, userField, type RedisKeys } from '../redis/keys.ts'
import { LuaScript } from '../redis/lua-script.ts'
import type { ChannelPresence, PresenceStore } from './presence-store.ts'

/**
 * The scripts read other instances' shares by building their key names from
 * the prefix and the encoded ids listed in the lease set (RedisKeys documents
 * the layout). Only live leases count: a crashed instance's share stops
 * counting the moment its lease expires, before anyone cleans it up.
 *
 * Common ARGV: [1] now (ms), [2] prefix, [3] own encoded id.
 */
const LIVE = `
local function others()
  local ids = {}
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')) do
    if id ~= ARGV[3] then ids[#ids + 1] = id end
  end
  return ids
end
local function count(key, field)
  return tonumber(redis.call('HGET', key, field) or '0') or 0
end
`

/** KEYS: instances, own users hash. ARGV[4] field, ARGV[5] cap (0 = none). Returns the new total, or -1 at the cap. */
const ADMIT = new LuaScript(`${LIVE}
local total = count(KEYS[2], ARGV[4])
for _, id in ipairs(others()) do total = total + count(ARGV[2] .. 'i:' .. id .. ':users', ARGV[4]) end
local cap = tonumber(ARGV[5])
if cap > 0 and total >= cap then return -1 end
redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
return total + 1
`)

/** KEYS: own users hash. ARGV: field. */
const RELEASE = new LuaScript(`
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`)

/** KEYS: instances, own channel hash, own pchans set. ARGV[4] channel suffix, ARGV[5] user. 1 = first in the cluster. */
const JOIN = new LuaScript(`${LIVE}
local n = redis.call('HINCRBY', KEYS[2], ARGV[5], 1)
redis.call('SADD', KEYS[3], ARGV[4])
if n > 1 then return 0 end
for _, id in ipairs(others()) do
  if count(ARGV[2] .. 'i:' .. id .. ':p:' .. ARGV[4], ARGV[5]) > 0 then return 0 end
end
return 1
`)

/** Same keys and ARGV as JOIN. 1 = the user's last connection in the channel, cluster-wide, is gone. */
const LEAVE = new LuaScript(`${LIVE}
local n = redis.call('HINCRBY', KEYS[2], ARGV[5], -1)
if n > 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[5])
if redis.call('HLEN', KEYS[2]) == 0 then redis.call('SREM', KEYS[3], ARGV[4]) end
-- below zero: a leave whose join was lost (Redis restarted empty); nothing to announce
if n < 0 then return 0 end
for _, id in ipairs(others()) do
  if count(ARGV[2] .. 'i:' .. id .. ':p:' .. ARGV[4], ARGV[5]) > 0 then return 0 end
end
return 1
`)

/**
 * KEYS: instances. ARGV[3] the dead instance's encoded id. Takes its whole
 * share out (presence, users, connections, summary, lease) and returns the
 * leaves it causes, as {channel suffix, user, ...}.
 */
const REAP = new LuaScript(`${LIVE}
local base = ARGV[2] .. 'i:' .. ARGV[3]
local live = others()
local leaves = {}
for _, suffix in ipairs(redis.call('SMEMBERS', base .. ':pchans')) do
  local key = base .. ':p:' .. suffix
  for _, user in ipairs(redis.call('HKEYS', key)) do
    local still = false
    for _, id in ipairs(live) do
      if count(ARGV[2] .. 'i:' .. id .. ':p:' .. suffix, user) > 0 then still = true break end
    end
    if not still then
      leaves[#leaves + 1] = suffix
      leaves[#leaves + 1] = user
    end
  end
  redis.call('DEL', key)
end
redis.call('DEL', base .. ':pchans', base .. ':users', base .. ':conns', base .. ':summary')
redis.call('ZREM', KEYS[1], ARGV[3])
return leaves
`)

export interface Leave {
  tenant: string
  channel: string
  user: string
}

/**
 * Presence in Redis: each instance keeps its own share (per-channel hashes,
 * a users hash) and reads the others' through the lease set. A crashed
 * instance's share is removed by `reap` (cluster/redis-registry.ts), which
 * reports the leaves it caused.
 */
export class RedisPresence implements PresenceStore {
  readonly #redis: Redis
  readonly #keys: RedisKeys
  readonly #id: string
  readonly #encId: string
  readonly #now: () => number
  /** Channel hashes this instance has written to (their TTL is renewed with the lease). */
  readonly ownChannelKeys = new Set<string>()

  constructor(redis: Redis, keys: RedisKeys, instanceId: string, now: () => number = Date.now) {
    this.#redis = redis
    this.#keys = keys
    this.#id = instanceId
    this.#encId = enc(instanceId)
    this.#now = now
  }

  #base(): [number, string, string] {
    return [this.#now(), this.#keys.prefix, this.#encId]
  }

  async join(tenant: string, channel: string, user: string): Promise<boolean> {
    const key = this.#keys.presence(this.#id, tenant, channel)
    this.ownChannelKeys.add(key)
    const r = await JOIN.run(this.#redis, [this.#keys.instances, key, this.#keys.instance(this.#id, 'pchans')], [...this.#base(), presenceSuffix(tenant, channel), enc(user)])
    return r === 1
  }

  async leave(tenant: string, channel: string, user: string): Promise<boolean> {
    const key = this.#keys.presence(this.#id, tenant, channel)
    const r = await LEAVE.run(this.#redis, [this.#keys.instances, key, this.#keys.instance(this.#id, 'pchans')], [...this.#base(), presenceSuffix(tenant, channel), enc(user)])
    return r === 1
  }

  async channel(tenant: string, channel: string): Promise<ChannelPresence> {
    const ids = await this.#liveIds()
    const pipeline = this.#redis.pipeline()
    for (const id of ids) pipeline.hgetall(`${this.#keys.prefix}i:${id}:p:${presenceSuffix(tenant, channel)}`)
    const totals = new Map<string, number>()
    for (const [err, hash] of (await pipeline.exec()) ?? []) {
      if (err) throw err
      for (const [user, n] of Object.entries(hash as Record<string, string>)) {
        const count = Number(n)
        if (count > 0) totals.set(user, (totals.get(user) ?? 0) + count)
      }
    }
    const users = [...totals].map(([user, connections]) => ({ user: dec(user), connections }))
    return { connections: users.reduce((n, u) => n + u.connections, 0), users }
  }

  async online(tenant: string, users: readonly string[]): Promise<Record<string, number>> {
    const result: Record<string, number> = Object.fromEntries(users.map((u) => [u, 0]))
    if (users.length === 0) return result
    const ids = await this.#liveIds()
    const fields = users.map((u) => userField(tenant, u))
    const pipeline = this.#redis.pipeline()
    for (const id of ids) pipeline.hmget(`${this.#keys.prefix}i:${id}:users`, ...fields)
    for (const [err, counts] of (await pipeline.exec()) ?? []) {
      if (err) throw err
      ;(counts as Array<string | null>).forEach((n, i) => {
        result[users[i]!] = result[users[i]!]! + (Number(n) || 0)
      })
    }
    return result
  }

  async admit(tenant: string, user: string, cap: number): Promise<boolean> {
    const r = await ADMIT.run(this.#redis, [this.#keys.instances, this.#keys.instance(this.#id, 'users')], [...this.#base(), userField(tenant, user), cap])
    return Number(r) > 0
  }

  async release(tenant: string, user: string): Promise<void> {
    await RELEASE.run(this.#redis, [this.#keys.instance(this.#id, 'users')], [userField(tenant, user)])
  }

  /** Removes a (dead, or this closing) instance's whole share; returns the leaves that causes. */
  async reap(instanceId: string): Promise<Leave[]> {
    const r = (await REAP.run(this.#redis, [this.#keys.instances], [this.#now(), this.#keys.prefix, enc(instanceId)])) as string[]
    const leaves: Leave[] = []
    for (let i = 0; i + 1 < r.length; i += 2) {
      const suffix = r[i]!
      const colon = suffix.indexOf(':')
      leaves.push({ tenant: dec(suffix.slice(0, colon)), channel: suffix.slice(colon + 1), user: dec(r[i + 1]!) })
    }
    return leaves
  }

  /**
   * Writes this instance's whole share again from what it holds locally,
   * after Redis lost it (restarted empty, or the keys expired during a long
   * stall). One MULTI: nobody reads a half-written share. Announces nothing.
   */
  async rewrite(users: Iterable<{ tenant: string; user: string; connections: number }>, channels: Iterable<{ tenant: string; channel: string; user: string }>): Promise<void> {
    const usersKey = this.#keys.instance(this.#id, 'users')
    const pchans = this.#keys.instance(this.#id, 'pchans')
    const m = this.#redis.multi()
    m.del(usersKey, pchans, ...this.ownChannelKeys)
    this.ownChannelKeys.clear()
    for (const u of users) m.hincrby(usersKey, userField(u.tenant, u.user), u.connections)
    for (const c of channels) {
      const key = this.#keys.presence(this.#id, c.tenant, c.channel)
      this.ownChannelKeys.add(key)
      m.hincrby(key, enc(c.user), 1)
      m.sadd(pchans, presenceSuffix(c.tenant, c.channel))
    }
    await m.exec()
  }

  /** Encoded ids of live instances, this one included even when its own lease lapsed. */
  async #liveIds(): Promise<string[]> {
    const ids = await this.#redis.zrangebyscore(this.#keys.instances, `(${this.#now()}`, '+inf')
    return ids.includes(this.#encId) ? ids : [...ids, this.#encId]
  }

  /** Scripts loaded ahead (on every connect), so that no call needs the EVAL fallback. */
  static scripts(): LuaScript[] {
    return [ADMIT, RELEASE, JOIN, LEAVE, REAP]
  }
}

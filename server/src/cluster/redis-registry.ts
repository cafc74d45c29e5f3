import type { LiveConnection } from '@switchboard/shared'
import type { Redis } from 'ioredis'
import type { ConnectionInfo, ConnectionObserver } from '../realtime/connection-observer.ts'
import type { RedisLog } from '../redis/clients.ts'
import { dec, enc, type RedisKeys } from '../redis/keys.ts'
import type { Leave, RedisPresence } from './redis-presence.ts'
import { clusterView, liveConnection, matches, type ClusterRegistry, type ClusterView, type InstanceReport, type LiveConnectionFilter } from './registry.ts'
import { SingleFlight } from '../single-flight.ts'

export interface RedisRegistryOptions {
  redis: Redis
  keys: RedisKeys
  instanceId: string
  heartbeatMs: number
  leaseMs: number
  report(): InstanceReport
  presence: RedisPresence
  log: RedisLog
  /** A dead instance was cleaned up by this one: its presence leaves, for pushes and records. */
  onInstanceLost(instanceId: string, leaves: Leave[]): void | Promise<void>
  /** Redis lost this instance's share (restarted empty, or keys expired during a long stall): write it again. */
  onShareLost(): void
  /** How long per-connection changes wait to be written together. Default 200. */
  flushMs?: number
}

/**
 * The cluster registry in Redis, with leases. Every `heartbeatMs` an
 * instance renews its lease (a sorted set scored by expiry), rewrites its
 * summary and renews the TTL of everything it owns (twice the lease, so
 * nothing outlives a dead instance for long even if nobody cleans up).
 * Connection changes are written in small batches (one hash per instance).
 *
 * Each heartbeat also looks for expired leases; the first live instance to
 * take an expired one's lock removes its share (presence, users,
 * connections, summary) and reports it (`onInstanceLost`), so a crashed
 * instance's connections leave the cluster view within one lease. A clean
 * shutdown removes its own share at once.
 */
export class RedisRegistry implements ClusterRegistry {
  readonly #o: RedisRegistryOptions
  readonly #encId: string
  readonly #dirty = new Map<string, LiveConnection | null>()
  #beat: NodeJS.Timeout | undefined
  #flush: NodeJS.Timeout | undefined
  #started = false
  #stopped = false
  readonly #beating = new SingleFlight()

  constructor(opts: RedisRegistryOptions) {
    this.#o = opts
    this.#encId = enc(opts.instanceId)
  }

  /** Feeds the per-connection hash. */
  readonly observer: ConnectionObserver = {
    authenticated: (c) => this.#touch(c),
    subscribed: (c) => this.#touch(c),
    unsubscribed: (c) => this.#touch(c),
    closed: (c) => this.#mark(c.id, null),
  }

  /** Registers the instance (one heartbeat, bounded by Redis's own timeouts) and starts the timer. */
  async start(): Promise<void> {
    this.#started = true
    await this.beat()
    this.#beat = setInterval(() => void this.beat(), this.#o.heartbeatMs)
    this.#beat.unref()
  }

  /** One heartbeat: renew, rewrite, flush, then start cleaning up after dead instances (not waited for). Never throws. */
  beat(): Promise<void> {
    // #heartbeat catches its own failures: nothing reaches the handler
    return this.#beating.run(() => this.#heartbeat(), () => undefined)
  }

  /** Stops heartbeats without cleaning up, as a crash would (tests; a fatal error). */
  abandon(): void {
    this.#stopped = true
    clearInterval(this.#beat)
    clearTimeout(this.#flush)
  }

  /** Clean shutdown: the instance leaves the cluster view at once. Returns the presence leaves it caused. */
  async stop(): Promise<Leave[]> {
    if (this.#stopped) return []
    this.abandon()
    if (!this.#started) return []
    try {
      return await this.#o.presence.reap(this.#o.instanceId)
    } catch {
      return [] // Redis away: the lease expires by itself
    }
  }

  /** The instances whose lease is current, this one included. */
  async liveInstances(): Promise<string[]> {
    const { redis, keys } = this.#o
    return (await redis.zrangebyscore(keys.instances, `(${Date.now()}`, '+inf')).map(dec)
  }

  async view(): Promise<ClusterView> {
    const { redis, keys } = this.#o
    const ids = await redis.zrangebyscore(keys.instances, `(${Date.now()}`, '+inf')
    const p = redis.pipeline()
    for (const id of ids) p.hget(`${keys.prefix}i:${id}:summary`, 's')
    for (const id of ids) p.hkeys(`${keys.prefix}i:${id}:users`)
    const replies = (await p.exec()) ?? []
    const reports = []
    const users = new Set<string>()
    for (let i = 0; i < ids.length; i++) {
      const [err, json] = replies[i]!
      if (err || typeof json !== 'string') continue
      try {
        reports.push(JSON.parse(json) as InstanceReport & { heartbeat_at: string; lease_expires_at: string })
      } catch {
        continue
      }
      const [uerr, fields] = replies[ids.length + i]!
      if (!uerr) for (const f of fields as string[]) users.add(f)
    }
    reports.sort((a, b) => a.id.localeCompare(b.id))
    return clusterView('redis', reports, users.size)
  }

  async connections(filter: LiveConnectionFilter): Promise<{ items: LiveConnection[]; total: number; instances: string[] }> {
    const { redis, keys } = this.#o
    const ids = await redis.zrangebyscore(keys.instances, `(${Date.now()}`, '+inf')
    const p = redis.pipeline()
    for (const id of ids) p.hvals(`${keys.prefix}i:${id}:conns`)
    const items: LiveConnection[] = []
    let total = 0
    for (const [err, values] of (await p.exec()) ?? []) {
      if (err) continue
      for (const json of values as string[]) {
        let c: LiveConnection
        try {
          c = JSON.parse(json) as LiveConnection
        } catch {
          continue
        }
        if (!matches(c, filter)) continue
        total++
        if (items.length < filter.limit) items.push(c)
      }
    }
    return { items, total, instances: ids.map(dec).sort() }
  }

  /** Marks every connection for rewriting (after Redis lost this instance's share). */
  rewriteAll(connections: Iterable<ConnectionInfo>): void {
    for (const c of connections) if (c.tenant !== undefined) this.#touch(c)
  }

  #touch(c: ConnectionInfo): void {
    this.#mark(c.id, liveConnection(c, this.#o.instanceId))
  }

  #mark(id: string, value: LiveConnection | null): void {
    if (this.#stopped) return
    this.#dirty.set(id, value)
    if (this.#flush === undefined && this.#started) {
      this.#flush = setTimeout(() => {
        this.#flush = undefined
        void this.#writeDirty().catch(() => undefined)
      }, this.#o.flushMs ?? 200)
      this.#flush.unref()
    }
  }

  /** Writes pending connection changes; on failure they wait for the next heartbeat. */
  async #writeDirty(): Promise<void> {
    if (this.#dirty.size === 0) return
    const batch = [...this.#dirty]
    this.#dirty.clear()
    const key = this.#o.keys.instance(this.#o.instanceId, 'conns')
    const p = this.#o.redis.pipeline()
    const set: string[] = []
    const del: string[] = []
    for (const [id, value] of batch) {
      if (value === null) del.push(id)
      else set.push(id, JSON.stringify(value))
    }
    if (set.length > 0) p.hset(key, ...set)
    if (del.length > 0) p.hdel(key, ...del)
    p.pexpire(key, this.#o.leaseMs * 2)
    try {
      const replies = (await p.exec()) ?? []
      const failed = replies.find(([err]) => err)
      if (failed) throw failed[0]
    } catch (err) {
      // keep what is newer than the failed batch
      for (const [id, value] of batch) if (!this.#dirty.has(id)) this.#dirty.set(id, value)
      throw err
    }
  }

  async #heartbeat(): Promise<void> {
    if (this.#stopped) return
    const { redis, keys, instanceId, leaseMs } = this.#o
    const now = Date.now()
    const report = { ...this.#o.report(), heartbeat_at: new Date(now).toISOString(), lease_expires_at: new Date(now + leaseMs).toISOString() }
    const ttl = leaseMs * 2
    const p = redis.pipeline()
    p.zadd(keys.instances, now + leaseMs, this.#encId)
    p.hset(keys.instance(instanceId, 'summary'), 's', JSON.stringify(report))
    for (const part of ['summary', 'conns', 'users', 'pchans'] as const) p.pexpire(keys.instance(instanceId, part), ttl)
    const channelKeys = [...this.#o.presence.ownChannelKeys]
    for (const key of channelKeys) p.pexpire(key, ttl)
    let replies
    try {
      replies = (await p.exec()) ?? []
      const failed = replies.find(([err]) => err)
      if (failed) throw failed[0]
    } catch (err) {
      // once per outage (and then every minute or so), not at every beat
      if (this.#failedBeats++ % Math.max(1, Math.round(60_000 / this.#o.heartbeatMs)) === 0) {
        this.#o.log.warn({ err: { message: (err as Error).message } }, 'cluster heartbeat failed; lease not renewed')
      }
      return
    }
    this.#failedBeats = 0
    // channel hashes that emptied are gone: stop renewing them (a later join adds them back)
    channelKeys.forEach((key, i) => {
      if (replies[6 + i]?.[1] === 0) this.#o.presence.ownChannelKeys.delete(key)
    })
    // HSET answers 1 when the field is new: our share was gone (first beat aside)
    if (replies[1]?.[1] === 1 && this.#wasRegistered) this.#o.onShareLost()
    this.#wasRegistered = true
    await this.#writeDirty().catch(() => undefined)
    // Cleaning up after a dead instance waits on the database (its connection
    // records, its devices), which may be slow in the very incident that killed
    // it: it runs beside the heartbeat, one at a time, never inside it, so that
    // this instance keeps renewing its own lease meanwhile and is not taken for
    // dead (and cleaned up) in turn.
    void this.#reaping.run(
      () => this.#reapExpired(now),
      (err) => this.#o.log.warn({ err: { message: (err as Error).message } }, 'cluster cleanup failed'),
    )
  }

  readonly #reaping = new SingleFlight()

  #wasRegistered = false
  #failedBeats = 0

  async #reapExpired(now: number): Promise<void> {
    const { redis, keys, instanceId, leaseMs } = this.#o
    const expired = await redis.zrangebyscore(keys.instances, '-inf', now, 'LIMIT', 0, 16)
    for (const encoded of expired) {
      if (encoded === this.#encId) continue // our own lease lapsed (a long stall); the beat just renewed it
      const id = dec(encoded)
      const locked = await redis.set(keys.reapLock(id), instanceId, 'PX', leaseMs, 'NX')
      if (locked !== 'OK') continue
      const leaves = await this.#o.presence.reap(id)
      this.#o.log.warn({ instance: id, leaves: leaves.length }, 'instance lease expired: its connections left the cluster view')
      await this.#o.onInstanceLost(id, leaves)
    }
  }
}

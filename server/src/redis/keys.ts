/**
 * Every Redis key and pub/sub channel Switchboard uses, under one prefix
 * (REDIS_PREFIX) so that deployments and test runs can share a Redis.
 *
 * Tenants and instance ids come from tokens and configuration: they are
 * percent-encoded so that a `:` in one can never make two names collide.
 * Channel names are already restricted by the protocol (CHANNEL_PATTERN) and
 * always come last. Lua scripts build a few per-instance names themselves
 * from `prefix` and an encoded id (see instanceKey below): keep both in step.
 */
export class RedisKeys {
  readonly prefix: string

  constructor(prefix: string) {
    this.prefix = prefix
  }

  // pub/sub topics
  /** Tenant, user and role events of one tenant. */
  tenantTopic(tenant: string): string {
    return `${this.prefix}t:${enc(tenant)}`
  }
  /** One named channel of one tenant. */
  channelTopic(tenant: string, channel: string): string {
    return `${this.prefix}c:${enc(tenant)}:${channel}`
  }
  /** A system channel (logs, dlq, admin-dashboard) of every tenant: global operators watch them all. */
  systemTopic(channel: string): string {
    return `${this.prefix}s:${channel}`
  }
  /** `all`-target events (every authenticated connection). */
  get allTopic(): string {
    return `${this.prefix}all`
  }
  /** Control messages every instance acts on (disconnects). */
  get controlTopic(): string {
    return `${this.prefix}ctl`
  }

  // history (Redis Streams)
  /** The stream of one channel's history; `streamKey` is history.ts's `tenant\0channel`. */
  stream(streamKey: string): string {
    const [tenant, channel] = splitStreamKey(streamKey)
    return `${this.prefix}h:${enc(tenant)}:${channel}`
  }
  /** Epoch and last offset of that stream (a hash: `epoch`, `top`). */
  streamMeta(streamKey: string): string {
    const [tenant, channel] = splitStreamKey(streamKey)
    return `${this.prefix}hm:${enc(tenant)}:${channel}`
  }

  // cluster registry
  /** Sorted set: encoded instance id -> lease expiry (epoch ms). */
  get instances(): string {
    return `${this.prefix}instances`
  }
  /** Per-instance keys: summary hash, connections hash, users hash, set of presence channels. */
  instance(id: string, part: InstancePart): string {
    return instanceKey(this.prefix, enc(id), part)
  }
  /** Per-instance hash of one channel's presence: encoded user -> connections. */
  presence(id: string, tenant: string, channel: string): string {
    return `${this.prefix}i:${enc(id)}:p:${presenceSuffix(tenant, channel)}`
  }
  /** Lock held by the survivor that cleans up after a dead instance. */
  reapLock(id: string): string {
    return `${this.prefix}reap:${enc(id)}`
  }

  /** String: the instance id holding a named lease (cluster/leases.ts), with the lease's expiry as TTL. */
  lease(name: string): string {
    return `${this.prefix}lease:${enc(name)}`
  }

  /** Hash: encoded `tenant` or `tenant:user` -> revocation JSON (cluster/revocations.ts). */
  get revocations(): string {
    return `${this.prefix}revocations`
  }

  // limits
  publishRate(tenant: string, second: number): string {
    return `${this.prefix}rl:${enc(tenant)}:${second}`
  }
}

export type InstancePart = 'summary' | 'conns' | 'users' | 'pchans'

/** `<prefix>i:<encoded id>:<part>`; the Lua scripts of cluster/ build the same names. */
export function instanceKey(prefix: string, encodedId: string, part: InstancePart): string {
  return `${prefix}i:${encodedId}:${part}`
}

/** What names a channel inside per-instance keys (and the members of the `pchans` set). */
export function presenceSuffix(tenant: string, channel: string): string {
  return `${enc(tenant)}:${channel}`
}

/** Field of a user in the `users` hash. */
export function userField(tenant: string, user: string): string {
  return `${enc(tenant)}:${enc(user)}`
}

export const enc = (s: string): string => encodeURIComponent(s)
export const dec = (s: string): string => decodeURIComponent(s)

function splitStreamKey(streamKey: string): [string, string] {
  const i = streamKey.indexOf('\0')
  return i < 0 ? ['', streamKey] : [streamKey.slice(0, i), streamKey.slice(i + 1)]
}

/** Who is in one channel, cluster-wide. */
export interface ChannelPresence {
  /** Subscribed connections. */
  connections: number
  /** One entry per user, with that user's subscribed connections. */
  users: Array<{ user: string; connections: number }>
}

/**
 * Presence and online counts: per channel (who is subscribed) and per user
 * (connections anywhere in the cluster). The memory store serves one
 * instance; the Redis store keeps each instance's share apart, so a crashed
 * instance's share can be taken out when its lease expires.
 *
 * Calls made in one order are applied in that order (one Redis connection),
 * so a join issued before a leave is never counted after it.
 */
export interface PresenceStore {
  /** One more connection of `user` in the channel; true when it is the user's first there, cluster-wide. */
  join(tenant: string, channel: string, user: string): Promise<boolean>
  /** One connection fewer; true when the user has no connection left in the channel, cluster-wide. */
  leave(tenant: string, channel: string, user: string): Promise<boolean>
  channel(tenant: string, channel: string): Promise<ChannelPresence>
  /** Connections of each user, cluster-wide (0 = offline). */
  online(tenant: string, users: readonly string[]): Promise<Record<string, number>>
  /**
   * Counts one more connection of the user unless it already has `cap`
   * cluster-wide (then nothing is counted and the answer is false).
   */
  admit(tenant: string, user: string, cap: number): Promise<boolean>
  /** Takes back what `admit` counted. */
  release(tenant: string, user: string): Promise<void>
}

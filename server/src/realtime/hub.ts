import { CLOSE_CODES } from '@switchboard/shared'
import type { DisconnectSelector } from '../bus/cluster-message.ts'
import type { Principal } from '../plugins/auth.ts'
import { MAX_PENDING, type Connection } from './connection.ts'
import type { ConnectionObserver } from './connection-observer.ts'
import type { Subscription } from './subscriptions.ts'
import type { HubEvent, Target } from './event.ts'
import { encodePush } from './push-frame.ts'
import { ALL_TENANTS, channelRoom, identityRoom, parseRoom, roleRoom, tenantRoom, userRoom, type RoomRef } from './rooms.ts'
import type { WriteBatch } from './write-batch.ts'

export interface DeliveryStats {
  totalMessagesSent: number
  totalBroadcasts: number
  totalSendErrors: number
  /** Epoch ms (formatted when read: a Date per broadcast is not worth it). */
  lastBroadcastAt: number | null
  totalMessagesReceived: number
  totalDropped: number
  heartbeatTimeouts: number
  slowConsumerCloses: number
}

/** Counters the hub reports into; the metrics plugin implements it with prom-client. */
export interface HubMetrics {
  delivered(type: string, recipients: number, latencyMs: number): void
  dropped(reason: string, count: number): void
  sendError(): void
  slowConsumer(): void
}

/**
 * Told of every change after which a connection may fall due: the heartbeat
 * (heartbeat.ts) keeps its indexes with it instead of walking every connection.
 */
export interface ConnectionTimers {
  added(connection: Connection): void
  removed(connection: Connection): void
  /** Its principal was set or replaced, or its close began. */
  changed(connection: Connection): void
}

/**
 * The local index: which connections are in which room, and delivery to them.
 * Knows nothing of Fastify, ws servers, Redis or the database.
 */
export class Hub {
  readonly connections = new Map<string, Connection>()
  /**
   * Room key -> members: connections in identity rooms (tenant, user, role),
   * their subscriptions in channel rooms, so that a fan-out reaches each
   * subscription's filters and position with no lookup per recipient. A room of
   * one (every user room, personal channels) holds the member itself: a Set
   * costs ~200 bytes, per connection in the common case. It becomes a Set at
   * the second member and goes back at one.
   */
  readonly #identityRooms = new Map<string, Members<Connection>>()
  readonly #channelRooms = new Map<string, Members<Subscription>>()
  readonly #systemChannels: ReadonlySet<string>
  readonly #observers: ConnectionObserver[] = []
  readonly #roomListeners: Array<(room: RoomRef, active: boolean) => void> = []
  readonly #metrics: HubMetrics
  readonly stats: DeliveryStats = {
    totalMessagesSent: 0,
    totalBroadcasts: 0,
    totalSendErrors: 0,
    lastBroadcastAt: null,
    totalMessagesReceived: 0,
    totalDropped: 0,
    heartbeatTimeouts: 0,
    slowConsumerCloses: 0,
  }
  /** User rooms with members: `unique_users` in /ws/stats. */
  #userRooms = 0
  readonly #roles = new Map<string, number>()
  readonly #tenants = new Map<string, number>()

  /** Decides which broadcasts queue their frames for the end of the turn (none without it). */
  readonly #writes: WriteBatch | undefined
  #timers: ConnectionTimers | undefined

  constructor(opts: { systemChannels: Iterable<string>; metrics: HubMetrics; writes?: WriteBatch }) {
    this.#systemChannels = new Set(opts.systemChannels)
    this.#metrics = opts.metrics
    this.#writes = opts.writes
  }

  /** The heartbeat, told of connections added, removed and changed (one; set before the first connection). */
  setTimers(timers: ConnectionTimers): void {
    this.#timers = timers
  }

  addObserver(observer: ConnectionObserver): void {
    this.#observers.push(observer)
  }

  /**
   * Called when a room gets its first member (`active` true) or loses its last
   * one: a bus uses it to receive only the cluster traffic local rooms need.
   * Synchronous and cheap, like observers; a throwing listener is ignored.
   */
  onRoomChange(listener: (room: RoomRef, active: boolean) => void): void {
    this.#roomListeners.push(listener)
  }

  /** Rooms that have members now (a listener added late catches up with these). */
  activeRooms(): RoomRef[] {
    return [...this.#identityRooms.keys(), ...this.#channelRooms.keys()].map(parseRoom)
  }

  #roomChanged(key: string, active: boolean): void {
    if (this.#roomListeners.length === 0) return
    const room = parseRoom(key)
    for (const listener of this.#roomListeners) {
      try {
        listener(room, active)
      } catch {
        // same contract as observers: routing hints never break delivery
      }
    }
  }

  /** Calls every observer; one failing observer never breaks delivery or the others. */
  notify<K extends keyof ConnectionObserver>(hook: K, ...args: Parameters<NonNullable<ConnectionObserver[K]>>): void {
    for (const o of this.#observers) {
      const fn = o[hook] as ((...a: unknown[]) => void) | undefined
      if (fn === undefined) continue
      try {
        fn.apply(o, args)
      } catch {
        // observers are best-effort by contract (connection-observer.ts)
      }
    }
  }

  add(connection: Connection): void {
    this.connections.set(connection.id, connection)
    this.#timers?.added(connection)
    this.notify('opened', connection)
  }

  /** Sets or replaces who the connection is (its token's expiry is the heartbeat's to watch). */
  setPrincipal(connection: Connection, principal: Principal): void {
    connection.principal = principal
    this.#timers?.changed(connection)
  }

  /** The connection began closing (`ConnectionSink.onClosing`). */
  closing(connection: Connection): void {
    this.#timers?.changed(connection)
  }

  /** Joins the automatic rooms: tenant, user, one per role. */
  joinIdentityRooms(connection: Connection): void {
    const p = connection.principal
    if (p === null) return
    this.#join(this.#identityRooms, tenantRoom(p.tenant), connection)
    this.#join(this.#identityRooms, userRoom(p.tenant, p.user), connection)
    // indexed: a for-of here allocated an iterator per connect (it showed in S4's allocation profile)
    const roles = p.roles
    for (let i = 0; i < roles.length; i++) this.#join(this.#identityRooms, roleRoom(p.tenant, roles[i]!), connection)
    bump(this.#tenants, p.tenant, 1)
    for (let i = 0; i < roles.length; i++) bump(this.#roles, roles[i]!, 1)
  }

  userConnectionCount(tenant: string, user: string): number {
    // the user room is the count: one entry per user, not two
    const members = this.#identityRooms.get(userRoom(tenant, user))
    return members === undefined ? 0 : members instanceof Set ? members.size : 1
  }

  /** The room a channel subscription lives in: global admins watch system channels of every tenant. */
  channelRoomFor(connection: Connection, channel: string): string {
    const p = connection.principal!
    return p.isAdmin && this.#systemChannels.has(channel) ? channelRoom(ALL_TENANTS, channel) : channelRoom(p.tenant, channel)
  }

  /** Puts the connection's subscription of `channel` (already in its subscriptionState) in the channel's room. */
  subscribe(connection: Connection, channel: string): void {
    const sub = connection.subscriptionState.get(channel)
    if (sub !== undefined) this.#join(this.#channelRooms, this.channelRoomFor(connection, channel), sub)
  }

  unsubscribe(connection: Connection, channel: string): void {
    const sub = connection.subscriptionState.get(channel)
    if (sub !== undefined) this.#leave(this.#channelRooms, this.channelRoomFor(connection, channel), sub)
    connection.subscriptionState.delete(channel)
  }

  remove(connection: Connection, code: number, reason: string): void {
    if (!this.connections.delete(connection.id)) return
    this.#timers?.removed(connection)
    this.#leaveAll(connection)
    this.notify('closed', connection, code, reason)
  }

  /**
   * Swaps a live connection's principal (token refresh with changed roles):
   * leaves every room under the old identity, rejoins under the new one, and
   * keeps only the channels `keep` still allows. Returns the channels dropped.
   */
  rebind(connection: Connection, next: Principal, keep: (channel: string) => boolean): string[] {
    this.#leaveAll(connection)
    this.setPrincipal(connection, next)
    this.joinIdentityRooms(connection)
    const dropped: string[] = []
    for (const channel of connection.subscriptionState.channels()) {
      if (keep(channel)) this.subscribe(connection, channel)
      else {
        connection.subscriptionState.delete(channel)
        dropped.push(channel)
      }
    }
    return dropped
  }

  #leaveAll(connection: Connection): void {
    const p = connection.principal
    if (p === null) return
    this.#leave(this.#identityRooms, tenantRoom(p.tenant), connection)
    this.#leave(this.#identityRooms, userRoom(p.tenant, p.user), connection)
    const roles = p.roles
    for (let i = 0; i < roles.length; i++) this.#leave(this.#identityRooms, roleRoom(p.tenant, roles[i]!), connection)
    for (const sub of connection.subscriptionState.all()) this.#leave(this.#channelRooms, this.channelRoomFor(connection, sub.channel), sub)
    bump(this.#tenants, p.tenant, -1)
    for (let i = 0; i < roles.length; i++) bump(this.#roles, roles[i]!, -1)
  }

  /**
   * Delivers one event to its local recipients. The push frame is serialised
   * once; the same Buffer is written to every recipient.
   */
  deliver(event: HubEvent): number {
    const t = event.target
    let sent = 0
    // encoded on the first recipient found, never for an event no one here receives
    let frame: Buffer | undefined
    const encoded = () => (frame ??= encodePush(event))
    switch (t.kind) {
      case 'tenant':
      case 'user':
      case 'role':
        sent = this.#sendRoom(identityRoom(t), encoded)
        break
      case 'channel':
        sent = this.#sendChannel(channelRoom(t.tenant, t.channel), event, encoded)
        if (this.#systemChannels.has(t.channel)) sent += this.#sendChannel(channelRoom(ALL_TENANTS, t.channel), event, encoded)
        break
      case 'all': {
        const queue = this.#queue()
        for (const c of this.connections.values()) if (c.principal !== null && c.sendFrame(encoded(), queue)) sent++
        break
      }
    }
    // reference 002 counts broadcasts that reached someone; an event to an empty room is not one
    if (sent > 0) {
      this.stats.totalMessagesSent += sent
      this.stats.totalBroadcasts++
      this.stats.lastBroadcastAt = Date.now()
    }
    if (frame !== undefined) this.#metrics.delivered(event.type, sent, performance.timeOrigin + performance.now() - event.publishedAt)
    return sent
  }

  /** True when an event to `target` would find at least one local member (before filters). */
  hasAudience(target: Target): boolean {
    switch (target.kind) {
      case 'tenant':
      case 'user':
      case 'role':
        return this.#identityRooms.has(identityRoom(target))
      case 'channel':
        return (
          this.#channelRooms.has(channelRoom(target.tenant, target.channel)) ||
          (this.#systemChannels.has(target.channel) && this.#channelRooms.has(channelRoom(ALL_TENANTS, target.channel)))
        )
      case 'all':
        return this.connections.size > 0
    }
  }

  /** Closes the local connections a selector names; returns how many. */
  disconnect(selector: DisconnectSelector, code: number, reason: string): number {
    let n = 0
    if ('connectionId' in selector) {
      const c = this.connections.get(selector.connectionId)
      if (c) {
        c.close(code, reason)
        n = 1
      }
      return n
    }
    const room = 'user' in selector ? userRoom(selector.tenant, selector.user) : tenantRoom(selector.tenant)
    const members = this.#identityRooms.get(room)
    if (members === undefined) return 0
    // closing removes members from the room while we walk it
    for (const c of members instanceof Set ? [...members] : [members]) {
      c.close(code, reason)
      n++
    }
    return n
  }

  /** Graceful shutdown: 1001 to everyone. */
  closeAll(code: number = CLOSE_CODES.GOING_AWAY, reason = 'server shutting down'): void {
    for (const c of this.connections.values()) c.close(code, reason)
  }

  countsByRole(): Record<string, number> {
    return Object.fromEntries(this.#roles)
  }
  countsByTenant(): Record<string, number> {
    return Object.fromEntries(this.#tenants)
  }
  uniqueUsers(): number {
    return this.#userRooms
  }
  channelCount(): number {
    return this.#channelRooms.size
  }

  #sendRoom(room: string, encoded: () => Buffer): number {
    const members = this.#identityRooms.get(room)
    if (members === undefined) return 0
    const frame = encoded()
    const queue = this.#queue()
    if (!(members instanceof Set)) return members.sendFrame(frame, queue) ? 1 : 0
    let sent = 0
    for (const c of members) if (c.sendFrame(frame, queue)) sent++
    return sent
  }

  #sendChannel(room: string, event: HubEvent, encoded: () => Buffer): number {
    const members = this.#channelRooms.get(room)
    if (members === undefined) return 0
    const frame = encoded()
    const queue = this.#queue()
    if (!(members instanceof Set)) return sendOnChannel(members, event, frame, queue) ? 1 : 0
    let sent = 0
    for (const sub of members) if (sendOnChannel(sub, event, frame, queue)) sent++
    return sent
  }

  /** Whether this event's frames wait for the end of the turn: all but the turn's first event's do (write-batch.ts). */
  #queue(): boolean {
    return this.#writes !== undefined && this.#writes.queuePush()
  }

  #join<M extends object>(rooms: Map<string, Members<M>>, room: string, member: M): void {
    const members = rooms.get(room)
    if (members === undefined) {
      rooms.set(room, member)
      if (room.charCodeAt(0) === 117 /* 'u' */) this.#userRooms++
      this.#roomChanged(room, true)
    } else if (members instanceof Set) members.add(member)
    else if (members !== member) rooms.set(room, new Set([members, member]))
  }

  #leave<M extends object>(rooms: Map<string, Members<M>>, room: string, member: M): void {
    const members = rooms.get(room)
    if (members === undefined) return
    if (members instanceof Set) {
      if (!members.delete(member) || members.size > 1) return
      // back to a room of one (a Set never stays with a single member)
      rooms.set(room, members.values().next().value!)
      return
    }
    if (members !== member) return
    rooms.delete(room)
    if (room.charCodeAt(0) === 117 /* 'u' */) this.#userRooms--
    this.#roomChanged(room, false)
  }
}

/** One member, or a Set of two or more. */
type Members<M> = M | Set<M>

/** A channel event to one subscription: its filters, a pending recovery replay, and duplicate suppression apply. */
function sendOnChannel(sub: Subscription, event: HubEvent, frame: Buffer, queue: boolean): boolean {
  if (sub.filters !== undefined && !passesFilters(sub.filters, event.data)) return false
  if (sub.pending !== undefined) {
    // one past the cap marks the overflow; the recovery flush then closes the client
    if (sub.pending.length <= MAX_PENDING) sub.pending.push({ offset: event.offset, frame })
    return false
  }
  if (event.offset !== undefined) {
    const last = sub.last
    if (last !== undefined && last.epoch === event.epoch) {
      if (event.offset <= last.offset) return false
      last.offset = event.offset
    } else sub.last = { offset: event.offset, epoch: event.epoch! }
  }
  return sub.connection.sendFrame(frame, queue)
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by
  if (n <= 0) map.delete(key)
  else map.set(key, n)
}

/** Every filtered field of `data` must hold one of the accepted values. */
export function passesFilters(filters: Map<string, ReadonlySet<unknown>>, data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false
  const record = data as Record<string, unknown>
  for (const [field, accepted] of filters) {
    if (!Object.hasOwn(record, field) || !accepted.has(record[field])) return false
  }
  return true
}

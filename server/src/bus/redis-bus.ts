import type { Redis } from 'ioredis'
import { streamKey as streamKeyOf, type HistoryPolicy } from '../history/history.ts'
import type { RedisHistory } from '../history/redis-history.ts'
import type { HubEvent } from '../realtime/event.ts'
import type { RoomRef } from '../realtime/rooms.ts'
import { closeClient, commandClient, subscriberClient, type RedisLog } from '../redis/clients.ts'
import type { RedisKeys } from '../redis/keys.ts'
import type { Bus, BusHealth } from './bus.ts'
import { decodeClusterMessage, encodeClusterMessage } from './cluster-codec.ts'
import type { ClusterMessage, EventMessage } from './cluster-message.ts'
import { StreamGaps } from './stream-gaps.ts'
import { TopicMap } from './topics.ts'

export interface RedisBusOptions {
  url: string
  keys: RedisKeys
  instanceId: string
  systemChannels: ReadonlySet<string>
  commandTimeoutMs: number
  connectTimeoutMs: number
  log?: RedisLog | undefined
  /** How long a topic stays subscribed after its last local room went away (reconnect churn). Default 5000. */
  lingerMs?: number
  /** Longest wait of `settled()`. Default commandTimeoutMs. */
  settleTimeoutMs?: number
}

interface TopicState {
  /** Local rooms that need the topic. */
  refs: number
  subscribed: boolean
  pending: Promise<void> | undefined
  linger: NodeJS.Timeout | undefined
}

/**
 * The bus over Redis pub/sub (TopicMap says which topic carries what).
 * Two connections: commands (PUBLISH, scripts; no offline queue, short
 * timeout, auto-pipelined) and a subscriber. An event is one PUBLISH on one
 * topic whatever the number of recipients; each instance subscribed to the
 * topic delivers it once to its own connections, the publisher's included
 * (its local clients get it through Redis too, so every instance sees the
 * same order and a failed publish reached nobody).
 *
 * While Redis is away: publish rejects at once (HTTP 503), health() says
 * degraded, connected clients stay connected; when it returns, ioredis
 * re-subscribes every topic and history channels are caught up from their
 * streams (StreamGaps).
 */
export class RedisBus implements Bus {
  readonly kind = 'redis' as const
  /** Shared with the other Redis pieces of this instance (history, registry, presence, limits). */
  readonly commands: Redis
  readonly #sub: Redis
  readonly #topicMap: TopicMap
  readonly #topics = new Map<string, TopicState>()
  readonly #pending = new Set<Promise<void>>()
  readonly #opts: RedisBusOptions
  readonly #lingerMs: number
  readonly #settleTimeoutMs: number
  #gaps: StreamGaps | undefined
  #handlers: Array<(message: ClusterMessage) => void> = []
  #closed = false
  #lostSubscriber = false
  #malformed = 0

  constructor(opts: RedisBusOptions) {
    this.#opts = opts
    this.#lingerMs = opts.lingerMs ?? 5_000
    this.#settleTimeoutMs = opts.settleTimeoutMs ?? opts.commandTimeoutMs
    this.#topicMap = new TopicMap(opts.keys, opts.systemChannels)
    const settings = { url: opts.url, commandTimeoutMs: opts.commandTimeoutMs, connectTimeoutMs: opts.connectTimeoutMs, log: opts.log }
    this.commands = commandClient({ ...settings, name: `${opts.instanceId}:commands` })
    this.#sub = subscriberClient({ ...settings, name: `${opts.instanceId}:subscriber` })
    this.#sub.on('message', (topic: string, text: string) => {
      try {
        this.#onMessage(topic, text)
      } catch (err) {
        // a throw here would unwind into ioredis's reply parser: contain it
        this.#opts.log?.warn({ err: { message: (err as Error).message }, topic }, 'cluster message handler failed')
      }
    })
    this.#sub.on('close', () => {
      if (!this.#closed) this.#lostSubscriber = true
    })
    this.#sub.on('ready', () => this.#onSubscriberReady())
    for (const topic of this.#topicMap.fixed) this.#ref(topic)
  }

  /**
   * History channels get their events appended and published by one script
   * (publishToStream), and their gaps filled from the same streams.
   */
  useHistory(history: RedisHistory): void {
    this.publishToStream = (key, policy, message) => history.appendAndPublish(key, policy, message, this.#topicMap.ofEvent(message.event))
    this.#gaps = new StreamGaps({
      fetchAfter: async (key, since) => {
        const r = await history.recover(key, since)
        return r.recovered ? r.events : null
      },
      deliver: (event) => this.#dispatch({ kind: 'event', origin: '', event }),
      log: this.#opts.log,
    })
  }

  get gapStats(): { filled: number; unfilled: number } {
    return this.#gaps?.stats ?? { filled: 0, unfilled: 0 }
  }

  async publish(message: ClusterMessage): Promise<void> {
    await this.commands.publish(this.#topicMap.ofMessage(message), encodeClusterMessage(message))
  }

  /** Set by useHistory: without Redis history (HISTORY_STORE=memory|database) the publisher appends, then publishes. */
  publishToStream: ((streamKey: string, policy: HistoryPolicy, message: EventMessage) => Promise<HubEvent>) | undefined

  /**
   * Waits (at most `timeoutMs`) for both connections and the fixed topics;
   * false when Redis did not answer in time: the instance then runs degraded
   * and joins in by itself once Redis is back.
   */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline && !this.#closed) {
      if (this.health() === 'ok' && this.#topicMap.fixed.every((t) => this.#topics.get(t)?.subscribed)) return true
      await new Promise((r) => setTimeout(r, 10))
    }
    return false
  }

  onMessage(handler: (message: ClusterMessage) => void): void {
    this.#handlers.push(handler)
  }

  #dispatch(message: ClusterMessage): void {
    for (const handler of this.#handlers) handler(message)
  }

  health(): BusHealth {
    return this.commands.status === 'ready' && this.#sub.status === 'ready' ? 'ok' : 'degraded'
  }

  interest(room: RoomRef, active: boolean): void {
    const topic = this.#topicMap.ofRoom(room)
    if (topic === undefined) return
    if (active) this.#ref(topic)
    else this.#unref(topic)
  }

  settled(): Promise<void> | undefined {
    if (this.#pending.size === 0) return undefined
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#settleTimeoutMs)
    })
    return Promise.race([Promise.all(this.#pending).then(() => undefined), timeout]).finally(() => clearTimeout(timer))
  }

  /** Topics subscribed now (tests and diagnostics). */
  subscribedTopics(): string[] {
    return [...this.#topics].filter(([, s]) => s.subscribed).map(([t]) => t)
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const s of this.#topics.values()) if (s.linger) clearTimeout(s.linger)
    this.#handlers = []
    await Promise.all([closeClient(this.commands), closeClient(this.#sub)])
  }

  #ref(topic: string): void {
    let s = this.#topics.get(topic)
    if (s === undefined) this.#topics.set(topic, (s = { refs: 0, subscribed: false, pending: undefined, linger: undefined }))
    s.refs++
    if (s.linger !== undefined) {
      clearTimeout(s.linger)
      s.linger = undefined
    }
    if (!s.subscribed && s.pending === undefined) this.#subscribe(topic, s)
  }

  #unref(topic: string): void {
    const s = this.#topics.get(topic)
    if (s === undefined || --s.refs > 0) return
    s.refs = 0
    // A reconnect storm empties and refills rooms within moments: keep the topic a while.
    s.linger = setTimeout(() => this.#drop(topic, s), this.#lingerMs)
    s.linger.unref()
  }

  #drop(topic: string, s: TopicState): void {
    s.linger = undefined
    if (s.refs > 0 || this.#closed || this.#topics.get(topic) !== s) return
    if (s.pending !== undefined) {
      // wait for the SUBSCRIBE in flight; its completion looks again
      return
    }
    this.#topics.delete(topic)
    this.#gaps?.forgetTopic(topic)
    if (s.subscribed) this.#sub.unsubscribe(topic).catch(() => undefined)
  }

  #subscribe(topic: string, s: TopicState): void {
    const p: Promise<void> = this.#sub.subscribe(topic).then(
      () => {
        s.subscribed = true
      },
      (err: unknown) => {
        // ready again re-asks (see #onSubscriberReady)
        this.#opts.log?.warn({ err: { message: (err as Error).message }, topic }, 'redis subscribe failed')
      },
    )
    s.pending = p
    this.#pending.add(p)
    void p.finally(() => {
      this.#pending.delete(p)
      s.pending = undefined
      if (s.refs === 0 && s.linger === undefined && this.#topics.get(topic) === s && !this.#topicMap.fixed.includes(topic)) {
        s.linger = setTimeout(() => this.#drop(topic, s), this.#lingerMs)
        s.linger.unref()
      }
    })
  }

  #onSubscriberReady(): void {
    // ioredis re-subscribed what it had; topics whose SUBSCRIBE failed are asked again
    for (const [topic, s] of this.#topics) if (!s.subscribed && s.pending === undefined && s.refs > 0) this.#subscribe(topic, s)
    if (this.#lostSubscriber) {
      this.#lostSubscriber = false
      this.#gaps?.resync()
      for (const listener of this.#resubscribed) listener()
    }
  }

  readonly #resubscribed: Array<() => void> = []

  /**
   * Called whenever the subscriber connection is back after a drop: messages
   * published meanwhile never reached this instance (pub/sub keeps nothing),
   * so what can be read back from stored state should be.
   */
  onResubscribed(listener: () => void): void {
    this.#resubscribed.push(listener)
  }

  #onMessage(topic: string, text: string): void {
    const message = decodeClusterMessage(text)
    if (message === null) {
      if (this.#malformed++ % 1000 === 0) this.#opts.log?.warn({ topic, sample: text.slice(0, 120) }, 'malformed cluster message ignored')
      return
    }
    if (this.#handlers.length === 0) return
    const event = message.kind === 'event' ? message.event : undefined
    if (event?.offset !== undefined && this.#gaps !== undefined && event.target.kind === 'channel') {
      this.#gaps.accept(streamKeyOf(event.target.tenant, event.target.channel), topic, event)
      return
    }
    this.#dispatch(message)
  }
}

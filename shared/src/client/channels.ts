import type { StreamPosition } from '../common.ts'
import type { PushFrame, Recovery, SubscribedFrame, UnsubscribedFrame } from '../frames/server-frames.ts'
import { ClientError } from './errors.ts'
import type { ReplyOf } from './requests.ts'
import { composeReply, Subscriptions, type Filters } from './subscriptions.ts'

/** What the channel manager needs from the client that owns the socket. */
export interface ChannelHost {
  isConnected(): boolean
  isClosed(): boolean
  subscribe(frame: { type: 'subscribe'; channels: string[]; filters?: Filters; since?: Record<string, StreamPosition> }): Promise<ReplyOf['subscribe']>
  unsubscribe(frame: { type: 'unsubscribe'; channels: string[] }): Promise<ReplyOf['unsubscribe']>
  recovery(entry: Recovery): void
  error(err: ClientError): void
}

interface Waiter {
  channels: string[]
  resolve: (reply: SubscribedFrame) => void
  reject: (err: ClientError) => void
}

const closedError = (message: string) => new ClientError({ code: 'CLOSED', message, temporary: false })

/**
 * Named-channel subscriptions across connections: subscribe/unsubscribe on the
 * live socket, subscribe() calls made while offline wait for the next
 * connection, and every (re)authentication re-subscribes all wanted channels
 * with `since` so missed events are replayed or reported as lost.
 */
export class Channels {
  readonly #host: ChannelHost
  readonly #subs = new Subscriptions()
  #waiters: Waiter[] = []

  constructor(host: ChannelHost) {
    this.#host = host
  }

  position(channel: string): StreamPosition | undefined {
    return this.#subs.position(channel)
  }

  recovery(channel: string): Recovery | undefined {
    return this.#subs.recovery(channel)
  }

  /** False for a duplicate push (already delivered), which must not reach handlers again. */
  notePush(push: PushFrame): boolean {
    return this.#subs.notePush(push)
  }

  async subscribe(channels: string[], filters?: Filters): Promise<SubscribedFrame> {
    if (this.#host.isClosed()) throw closedError('client is closed')
    this.#subs.want(channels, filters)
    if (this.#host.isConnected()) {
      const since = this.#subs.since(channels)
      try {
        return this.#apply(await this.#host.subscribe({ type: 'subscribe', channels, ...(filters && { filters }), ...(since && { since }) }))
      } catch (err) {
        const e = err as ClientError
        if (e.code !== 'DISCONNECTED') {
          if (!e.temporary) this.#subs.drop(channels)
          throw err
        }
        if (this.#host.isClosed()) throw closedError('client closed before the reply')
        // Lost with the socket: answered by the re-subscribe of the next connection.
      }
    }
    return new Promise((resolve, reject) => this.#waiters.push({ channels, resolve, reject }))
  }

  async unsubscribe(channels: string[]): Promise<UnsubscribedFrame> {
    this.#subs.drop(channels)
    if (!this.#host.isConnected()) return { type: 'unsubscribed', channels }
    return this.#host.unsubscribe({ type: 'unsubscribe', channels })
  }

  /** After (re)authentication: subscribe every wanted channel again, with `since`, and answer waiting subscribe() calls. */
  restore(): void {
    const waiters = this.#waiters.splice(0)
    const sent = this.#subs.groups().map((group) => {
      const since = this.#subs.since(group.channels)
      const frame = { type: 'subscribe' as const, channels: group.channels, ...(group.filters && { filters: group.filters }), ...(since && { since }) }
      return this.#host.subscribe(frame).then((reply) => this.#apply(reply))
    })
    void Promise.allSettled(sent).then((results) => {
      const replies = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as ClientError] : []))
      const disconnected = failures.some((e) => e.code === 'DISCONNECTED')
      for (const waiter of waiters) {
        if (disconnected && !this.#host.isClosed()) this.#waiters.push(waiter) // try again on the next connection
        else if (failures[0]) waiter.reject(failures[0])
        else waiter.resolve(composeReply(waiter.channels, replies))
      }
      if (waiters.length === 0 && !disconnected) for (const failure of failures) this.#host.error(failure)
    })
  }

  /** The client closed for good: waiting subscribe() calls fail (wanted channels are kept for a later connect()). */
  rejectWaiters(message: string): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(closedError(message))
  }

  #apply(reply: SubscribedFrame): SubscribedFrame {
    for (const entry of this.#subs.applyReply(reply)) this.#host.recovery(entry)
    return reply
  }
}

import type { ClientFrameOf } from '../frames/client-frames.ts'
import type {
  AuthSuccessFrame,
  ServerFrame,
  ServerPongFrame,
  SubscribedFrame,
  UnsubscribedFrame,
} from '../frames/server-frames.ts'
import type { NotificationsAckFrame, NotificationsFrame } from '../frames/notification-frames.ts'
import type { PresenceFrame } from '../frames/presence-frames.ts'
import type { DeviceSwitchResultFrame } from '../frames/device-frames.ts'
import { ClientError } from './errors.ts'

/** Client frames that expect a reply, and the reply each one gets on success. */
export interface ReplyOf {
  auth: AuthSuccessFrame
  ping: ServerPongFrame
  subscribe: SubscribedFrame
  unsubscribe: UnsubscribedFrame
  'notifications:get': NotificationsFrame
  'notifications:read': NotificationsAckFrame
  'notifications:read-all': NotificationsAckFrame
  'notifications:delete': NotificationsAckFrame
  'presence:get': PresenceFrame
  'device:switch': DeviceSwitchResultFrame
}
export type RequestType = keyof ReplyOf
/** A request as the caller writes it: the client assigns `id`. */
export type RequestFrame<T extends RequestType> = Omit<ClientFrameOf<T>, 'id'>

const EXPECTED_REPLY: { [T in RequestType]: ReplyOf[T]['type'] } = {
  auth: 'auth_success',
  ping: 'pong',
  subscribe: 'subscribed',
  unsubscribe: 'unsubscribed',
  'notifications:get': 'notifications',
  'notifications:read': 'notifications:ack',
  'notifications:read-all': 'notifications:ack',
  'notifications:delete': 'notifications:ack',
  'presence:get': 'presence',
  'device:switch': 'device:switch:result',
}

interface Pending {
  type: RequestType
  resolve: (reply: never) => void
  reject: (err: ClientError) => void
  timer: ReturnType<typeof setTimeout>
}

/**
 * Requests in flight, correlated by `id`. Only reply/control frames are ever
 * matched here; pushes carry an event id in `id` and never reach `settle`.
 */
export class PendingRequests {
  readonly #pending = new Map<string, Pending>()
  #seq = 0

  get size(): number {
    return this.#pending.size
  }

  /** A fresh id, unique for this client's lifetime (and so per connection). */
  nextId(): string {
    this.#seq++
    return `r${this.#seq}`
  }

  track<T extends RequestType>(id: string, type: T, timeoutMs: number): Promise<ReplyOf[T]> {
    return new Promise<ReplyOf[T]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new ClientError({ code: 'TIMEOUT', message: `no reply to ${type} within ${timeoutMs} ms`, temporary: true, id }))
      }, timeoutMs)
      this.#pending.set(id, { type, resolve: resolve as (reply: never) => void, reject, timer })
    })
  }

  /** Settles the request this frame answers; false when no request has this id. */
  settle(frame: ServerFrame): boolean {
    const id = 'id' in frame ? frame.id : undefined
    if (id === undefined) return false
    const pending = this.#pending.get(id)
    if (!pending) return false
    this.#pending.delete(id)
    clearTimeout(pending.timer)
    if (frame.type === 'error' || frame.type === 'auth_error') {
      pending.reject(ClientError.fromFrame(frame))
    } else if (frame.type === EXPECTED_REPLY[pending.type]) {
      pending.resolve(frame as never)
    } else {
      pending.reject(
        new ClientError({ code: 'INVALID_FRAME', message: `${pending.type} answered by ${frame.type}`, temporary: false, id }),
      )
    }
    return true
  }

  /** Rejects one request (it could not be sent). */
  fail(id: string, err: ClientError): void {
    const pending = this.#pending.get(id)
    if (!pending) return
    this.#pending.delete(id)
    clearTimeout(pending.timer)
    pending.reject(err)
  }

  /** Rejects every request in flight (the socket went away or the client closed). */
  rejectAll(make: (id: string) => ClientError): void {
    const entries = [...this.#pending]
    this.#pending.clear()
    for (const [id, pending] of entries) {
      clearTimeout(pending.timer)
      pending.reject(make(id))
    }
  }
}

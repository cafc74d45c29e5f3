import type { HistoryPolicy } from '../history/history.ts'
import type { HubEvent } from '../realtime/event.ts'
import type { RoomRef } from '../realtime/rooms.ts'
import type { ClusterMessage, EventMessage } from './cluster-message.ts'

export type BusHealth = 'ok' | 'degraded'

/**
 * Carries cluster messages to every instance, the sender included. The memory
 * bus serves one instance; the Redis bus shares events across instances.
 * `publish` rejects fast (never queues without bound) when the bus is down.
 */
export interface Bus {
  readonly kind: 'memory' | 'redis'
  publish(message: ClusterMessage): Promise<void>
  /**
   * Adds a listener of every message (the hub's delivery entry point, the
   * cluster layer's revocations). Listeners run synchronously, in the order
   * they were added; each one ignores the kinds it does not handle.
   */
  onMessage(handler: (message: ClusterMessage) => void): void
  health(): BusHealth
  close(): Promise<void>

  /**
   * The local hub's rooms appearing (`active`) and disappearing, so that a bus
   * can receive only the traffic they need (Redis: a topic per tenant, per
   * channel and per system channel). Optional: the memory bus needs nothing.
   */
  interest?(room: RoomRef, active: boolean): void
  /**
   * Resolves (bounded, never rejects) once every topic `interest` asked for
   * is received; undefined when nothing is pending. See RealtimeContext.routingSettled.
   */
  settled?(): Promise<void> | undefined
  /**
   * Appends an event to its channel's history and publishes it as one atomic
   * step, so every instance receives a stream's events in offset order,
   * whichever instance published them (clients drop an offset that goes
   * backwards as a duplicate). Optional: without it the publisher appends,
   * then publishes.
   */
  publishToStream?(streamKey: string, policy: HistoryPolicy, message: EventMessage): Promise<HubEvent>
}

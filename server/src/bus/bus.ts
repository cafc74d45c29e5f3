import type { ClusterMessage } from './cluster-message.ts'

export type BusHealth = 'ok' | 'degraded'

/**
 * Carries cluster messages to every instance, the sender included. The memory
 * bus serves one instance; the Redis bus shares events across instances.
 * `publish` rejects fast (never queues without bound) when the bus is down.
 */
export interface Bus {
  readonly kind: 'memory' | 'redis'
  publish(message: ClusterMessage): Promise<void>
  /** One handler per process: the hub's delivery entry point. */
  onMessage(handler: (message: ClusterMessage) => void): void
  health(): BusHealth
  close(): Promise<void>
}

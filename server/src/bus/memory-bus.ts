import type { Bus } from './bus.ts'
import type { ClusterMessage } from './cluster-message.ts'

/** Single-instance bus: delivers synchronously to the local hub. */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const
  #handler: ((message: ClusterMessage) => void) | undefined

  publish(message: ClusterMessage): Promise<void> {
    this.#handler?.(message)
    return Promise.resolve()
  }

  onMessage(handler: (message: ClusterMessage) => void): void {
    this.#handler = handler
  }

  health(): 'ok' {
    return 'ok'
  }

  close(): Promise<void> {
    this.#handler = undefined
    return Promise.resolve()
  }
}

import type { Bus } from './bus.ts'
import type { ClusterMessage } from './cluster-message.ts'

/** Single-instance bus: delivers synchronously to the local hub. */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const
  #handlers: Array<(message: ClusterMessage) => void> = []

  publish(message: ClusterMessage): Promise<void> {
    for (const handler of this.#handlers) handler(message)
    return Promise.resolve()
  }

  onMessage(handler: (message: ClusterMessage) => void): void {
    this.#handlers.push(handler)
  }

  health(): 'ok' {
    return 'ok'
  }

  close(): Promise<void> {
    this.#handlers = []
    return Promise.resolve()
  }
}

import type { ConnectionInfo, ConnectionObserver } from '../../realtime/connection-observer.ts'
import type { BatchedWriter } from '../../storage/batched-writer.ts'
import { clientSnapshot, type ConnectionSnapshot } from './connection-snapshot.ts'

/**
 * Records every client connection in `websocket_connection`. It runs inside
 * the hub's observer calls, so it only takes a snapshot and hands it to the
 * batched writer: no await, no throw, no database on the hot path. The
 * writer coalesces by id, so a connection's row costs one write per flush
 * however much it changed in between.
 */
export class ConnectionRegistry implements ConnectionObserver {
  readonly #writer: BatchedWriter<ConnectionSnapshot>
  readonly #instanceId: string

  constructor(writer: BatchedWriter<ConnectionSnapshot>, instanceId: string) {
    this.#writer = writer
    this.#instanceId = instanceId
  }

  opened(c: ConnectionInfo): void {
    this.#writer.push(clientSnapshot(c, this.#instanceId))
  }

  authenticated(c: ConnectionInfo): void {
    this.#writer.push(clientSnapshot(c, this.#instanceId))
  }

  subscribed(c: ConnectionInfo): void {
    this.#writer.push(clientSnapshot(c, this.#instanceId))
  }

  unsubscribed(c: ConnectionInfo): void {
    this.#writer.push(clientSnapshot(c, this.#instanceId))
  }

  closed(c: ConnectionInfo, code: number, reason: string): void {
    this.#writer.push(clientSnapshot(c, this.#instanceId, { code, reason, at: new Date() }))
  }
}

import type { Socket } from 'node:net'

/**
 * Records the writes a TCP socket makes, as the stream hands them to the
 * kernel: `<label>write` for one buffer, `<label>writev` for several in one
 * syscall (Writable's `_write`/`_writev`). Tests of write batching count them.
 */
export function recordWrites(tcp: Socket, into: string[], label = ''): void {
  const spied = tcp as Socket & { _write: Function; _writev: Function }
  const write = spied._write.bind(spied)
  const writev = spied._writev.bind(spied)
  spied._write = (...args: unknown[]) => (into.push(`${label}write`), write(...args))
  spied._writev = (...args: unknown[]) => (into.push(`${label}writev`), writev(...args))
}

/** The TCP socket under a `ws` WebSocket. */
export function tcpOf(ws: unknown): Socket {
  return (ws as { _socket: Socket })._socket
}

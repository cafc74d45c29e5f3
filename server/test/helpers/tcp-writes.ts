import type { Socket } from 'node:net'
import { buildDirectWrite, loadDirectWrite, type DirectWriteAddon } from '../../src/native/direct-write.ts'
import { FrameWriter } from '../../src/realtime/frame-writer.ts'

/** Where the writes of a recorded socket's descriptor go: the array and the label given to `recordWrites`. */
const recorded = new Map<number, { into: string[]; label: string }>()

/**
 * Records the writes a TCP socket makes as they are handed to the kernel:
 * `<label>write` for one buffer, `<label>writev` for several in one syscall,
 * whether they go through the stream (Writable's `_write`/`_writev`) or are
 * made directly by a FrameWriter built with `recordingWriter`. Tests of write
 * batching count them.
 */
export function recordWrites(tcp: Socket, into: string[], label = ''): void {
  const spied = tcp as Socket & { _write: Function; _writev: Function; _handle: { fd?: number } | null }
  const write = spied._write.bind(spied)
  const writev = spied._writev.bind(spied)
  spied._write = (...args: unknown[]) => (into.push(`${label}write`), write(...args))
  spied._writev = (...args: unknown[]) => (into.push(`${label}writev`), writev(...args))
  const fd = spied._handle?.fd
  if (fd !== undefined && fd >= 0) recorded.set(fd, { into, label })
}

/** The TCP socket under a `ws` WebSocket. */
export function tcpOf(ws: unknown): Socket {
  return (ws as { _socket: Socket })._socket
}

/** The direct-write addon, built first if it is missing or stale; throws when it cannot be had. */
export function directWriteAddon(): DirectWriteAddon {
  const built = buildDirectWrite()
  if ('error' in built) throw new Error(`the direct-write addon cannot be built here: ${built.error}`)
  const loaded = loadDirectWrite()
  if ('reason' in loaded) throw new Error(loaded.reason)
  return loaded.addon
}

/** The addon, its writes recorded for the sockets `recordWrites` was given (a write the kernel took none of is not a write). */
export function recordingAddon(addon = directWriteAddon()): DirectWriteAddon {
  const note = (fd: number, what: string, n: number) => {
    const r = recorded.get(fd)
    if (r !== undefined && n > 0) r.into.push(`${r.label}${what}`)
    return n
  }
  return {
    write: (fd, frame) => note(fd, 'write', addon.write(fd, frame)),
    writev: (fd, frames) => note(fd, 'writev', addon.writev(fd, frames)),
    maxFrames: addon.maxFrames,
  }
}

/** Both ways of writing, for tests that must hold for each: through the stream, and direct (recorded). */
export const WRITERS: ReadonlyArray<readonly [string, () => FrameWriter]> = [
  ['stream writes', () => new FrameWriter()],
  ['direct writes', () => new FrameWriter(recordingAddon())],
]

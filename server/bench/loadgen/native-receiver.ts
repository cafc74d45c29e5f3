import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildAddon } from '../../src/native/build-addon.ts'

/**
 * The client workers' native receive path (`native/receiver.cc`): one epoll
 * thread per worker reads the sockets handed to it, counts probe-marked events
 * per client and samples their latency, so no JavaScript runs per received
 * frame. Built on first use with the machine's C++ compiler against Node-API
 * headers (ABI-stable: any Node's headers serve); where that fails, the workers
 * keep the `ws` receive path and the report says so.
 */
export interface NativeReceiver {
  /** `onNote(index, gen, opcode, payload)`: a frame that is not an event; opcode -1: closed, payload is the close code. */
  start(size: number, nowMs: number, onNote: (index: number, gen: number, opcode: number, payload: Buffer | number) => void): void
  /** The reader owns reading `fd` from now on; notes carry `gen`. */
  add(index: number, fd: number, gen: number): void
  /** Call before the socket is closed. */
  remove(index: number): void
  pause(index: number): void
  resume(index: number): void
  reset(sampleEvery: number): void
  /** Adds the per-client counts into `counts`; totals since the last reset. */
  read(counts: Int32Array, withSamples: boolean): { received: number; other: number; samples?: Float64Array }
  /** Ends the reader thread; every socket must have been removed. */
  stop(): void
}

const here = path.dirname(fileURLToPath(import.meta.url))
const SOURCE = path.join(here, 'native', 'receiver.cc')
const OUTPUT = path.join(here, 'native', 'build', 'receiver.node')

/** Builds the addon when missing or older than its source. Returns its path, or why it cannot be had. */
export function buildNativeReceiver(): { path: string } | { error: string } {
  if (process.platform !== 'linux') return { error: `epoll is Linux-only (this is ${process.platform})` }
  return buildAddon(SOURCE, OUTPUT, ['-pthread'])
}

export function loadNativeReceiver(file: string): NativeReceiver {
  return createRequire(import.meta.url)(file) as NativeReceiver
}

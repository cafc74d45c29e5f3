import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildAddon, type BuildResult } from './build-addon.ts'

/** The addon of `direct-write.cc`: bytes the kernel took, or -errno (EAGAIN: its buffer is full). */
export interface DirectWriteAddon {
  write(fd: number, frame: Buffer): number
  /** At most `maxFrames` frames (more is a TypeError). */
  writev(fd: number, frames: readonly Buffer[]): number
  readonly maxFrames: number
}

const here = path.dirname(fileURLToPath(import.meta.url))
export const DIRECT_WRITE_SOURCE = path.join(here, 'direct-write.cc')
export const DIRECT_WRITE_ADDON = path.join(here, 'build', 'direct-write.node')

/** Builds the addon (install time: `npm run build:native`) when missing or older than its source. */
export function buildDirectWrite(): BuildResult {
  // MSG_NOSIGNAL and MSG_DONTWAIT per call are Linux's
  if (process.platform !== 'linux') return { error: `Linux only (this is ${process.platform})` }
  return buildAddon(DIRECT_WRITE_SOURCE, DIRECT_WRITE_ADDON)
}

/** Loads the built addon (`file`: another build, for tests); never builds (a server start does not run a compiler). */
export function loadDirectWrite(file = DIRECT_WRITE_ADDON): { addon: DirectWriteAddon } | { reason: string } {
  if (process.platform !== 'linux') return { reason: `Linux only (this is ${process.platform})` }
  if (!existsSync(file)) return { reason: 'the native addon is not built (npm run build:native)' }
  try {
    return { addon: createRequire(import.meta.url)(file) as DirectWriteAddon }
  } catch (err) {
    return { reason: `the native addon does not load: ${(err as Error).message}` }
  }
}

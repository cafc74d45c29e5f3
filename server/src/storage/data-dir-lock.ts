import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
  readonly pid: number

  constructor(path: string, pid: number) {
    super(`${path} is held by process ${pid}: only one process may open a PGlite data directory`)
    this.pid = pid
  }
}

export interface DataDirLock {
  readonly path: string
  release(): void
}

/**
 * PGlite has no server process to arbitrate access: two processes opening the
 * same cluster corrupt it, and nothing in PGlite stops the second one. An
 * exclusive lock file holding the owner's pid does. A lock left by a process
 * that no longer exists (a crash, a kill -9) is taken over.
 */
export function acquireDataDirLock(dataDir: string, name = 'pglite.lock'): DataDirLock {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, name)
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number
    try {
      fd = openSync(path, 'wx')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const owner = readOwner(path)
      // Our own pid counts as a holder too: two PGlite instances in one process corrupt a cluster just as well.
      if (owner !== undefined && isAlive(owner)) throw new DataDirLockedError(path, owner)
      // Stale (or unreadable): take it over.
      unlinkQuietly(path)
      continue
    }
    writeSync(fd, `${process.pid}\n`)
    closeSync(fd)
    let released = false
    return {
      path,
      release() {
        if (released) return
        released = true
        if (readOwner(path) === process.pid) unlinkQuietly(path)
      },
    }
  }
  throw new DataDirLockedError(path, readOwner(path) ?? -1)
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already gone
  }
}

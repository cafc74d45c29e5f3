import { type ChildProcess, fork, spawn } from 'node:child_process'
import type { ProfileKind } from './contender.ts'
import { rssBytes } from '../proc-stats.ts'
import { sleep } from '../stats.ts'

/**
 * Starting and stopping contender processes: output is captured (last few KB,
 * shown when a start fails) instead of mixed into the bench's tables.
 */
export class ChildHandle {
  readonly child: ChildProcess
  readonly name: string
  #tail = ''
  #next = 1

  constructor(child: ChildProcess, name: string) {
    this.child = child
    this.name = name
    const keep = (chunk: Buffer) => {
      this.#tail = (this.#tail + chunk.toString()).slice(-4000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
  }

  get pid(): number {
    return this.child.pid!
  }

  get output(): string {
    return this.#tail
  }

  /** Why this process is no longer running, with its last output; '' while it runs. */
  diagnostics(): string {
    if (!this.exited) return ''
    return `${this.name} exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.output}`
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null
  }

  /** One request to the process's probe (see probe.ts). */
  probe<T>(op: string, timeoutMs = 10_000, extra: Record<string, unknown> = {}): Promise<T | undefined> {
    if (!this.child.connected) return Promise.resolve(undefined)
    const reqId = this.#next++
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.child.off('message', onMessage)
        resolve(undefined)
      }, timeoutMs)
      const onMessage = (raw: unknown) => {
        const msg = raw as { reqId?: number }
        if (msg.reqId !== reqId) return
        clearTimeout(timer)
        this.child.off('message', onMessage)
        resolve(msg as T)
      }
      this.child.on('message', onMessage)
      this.child.send({ ...extra, op, reqId })
    })
  }

  async memory(): Promise<{ rss: number; heapUsed?: number }> {
    const m = await this.probe<{ rss: number; heapUsed: number; collected: boolean }>('memory')
    if (m) return { rss: m.rss, heapUsed: m.collected ? m.heapUsed : undefined }
    return { rss: rssBytes(this.pid) }
  }

  /** Starts, or stops and writes to `file`, a CPU or allocation profile of this process. */
  async profile(op: 'start' | 'stop', kind: ProfileKind, file?: string): Promise<boolean> {
    const r = await this.probe<{ ok: boolean }>(`${kind}-${op}`, 30_000, { file })
    return r?.ok ?? false
  }

  /** SIGTERM (graceful close, which also writes --cpu-prof output), SIGKILL after `graceMs`. */
  async stop(graceMs = 8_000): Promise<void> {
    if (this.exited) return
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    if (this.child.connected) this.child.disconnect()
    this.child.kill('SIGTERM')
    const killed = await Promise.race([gone.then(() => true), sleep(graceMs).then(() => false)])
    if (!killed) {
      this.child.kill('SIGKILL')
      await gone
    }
  }
}

/** Forks one of the bench's own servers and waits for its `{op:'ready', port}`. */
export async function forkServer(file: string, args: string[], env: Record<string, string>, name: string): Promise<{ handle: ChildHandle; port: number }> {
  const child = fork(file, args, {
    execArgv: ['--expose-gc'],
    env: { ...process.env, ...env },
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  const handle = new ChildHandle(child, name)
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready after 15 s\n${handle.output}`)), 15_000)
    child.on('message', (m: { op?: string; port?: number }) => {
      if (m.op === 'ready' && m.port) {
        clearTimeout(timer)
        resolve(m.port)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited (${code}) before ready\n${handle.output}`))
    })
  })
  return { handle, port }
}

/** Spawns a Node process with an IPC channel (for the memory probe), not forked from a bench file. */
export function spawnNode(nodeArgs: string[], env: Record<string, string>, name: string, cwd: string): ChildHandle {
  const child = spawn(process.execPath, nodeArgs, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  })
  return new ChildHandle(child, name)
}

import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { TEST_SECRET } from './server.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

export interface ServerProcess {
  port: number
  pid: number
  child: ChildProcess
  /** What the process printed (stdout and stderr), for failure messages. */
  output(): string
  exited: Promise<number | null>
  /** SIGTERM and wait (graceful); no-op once exited. */
  stop(): Promise<void>
}

/**
 * `node server/src/main.ts` as a real child process (the same Node as the
 * tests), on a port it picks itself (PORT=0), reported on its ready line.
 */
export async function spawnServer(t: { teardown(fn: () => unknown): void }, env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['server/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: '0',
      JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'warn',
      DATABASE_ENABLED: 'false',
      WS_MAX_CONNECTIONS_PER_IP_PER_MINUTE: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let alive = true
  void exited.then(() => (alive = false))
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const m = /Health\s+http:\/\/[^:]+:(\d+)\/health/.exec(output)
      if (m) resolve(Number(m[1]))
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    void exited.then((code) => reject(new Error(`server exited (${code}) before it was ready:\n${output}`)))
    setTimeout(() => reject(new Error(`server not ready within 30 s:\n${output}`)), 30_000).unref()
  })
  const stop = async () => {
    if (!alive) return
    child.kill('SIGTERM')
    await exited
  }
  t.teardown(async () => {
    if (alive) child.kill('SIGKILL')
    await exited
  })
  return { port, pid: child.pid!, child, output: () => output, exited, stop }
}

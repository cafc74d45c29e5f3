import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { signJwt } from '../jwt.ts'
import { EVENT_TYPE, eventData } from '../loadgen/payload.ts'
import { freePort, httpRequest, redisPid, waitForHttp } from '../net-util.ts'
import { sleep } from '../stats.ts'
import { type ChildHandle, spawnNode } from './child.ts'
import { type Contender, ContenderUnavailable, profileExtension } from './contender.ts'

/**
 * Switchboard through its public protocol only: the real server
 * (`node server/src/main.ts`) as a child process, configured by environment,
 * clients on `/ws/connect?token=`, publishes on `POST /api/publish`. The memory
 * probe is preloaded with `--import` (the server code is untouched) so heap
 * after GC can be read; CPU and RSS come from /proc. Runs with
 * DATABASE_ENABLED=false (what the issue's ratios are about: auth, routing and
 * the typed envelope on top of ws).
 */
/** The project root: where server/src/main.ts is run from unless a snapshot is given. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const PRELOAD = fileURLToPath(new URL('./probe-preload.ts', import.meta.url))
const ORIGIN = 'http://127.0.0.1'

export interface SwitchboardOptions {
  secret: string
  /** Directory holding server/src/main.ts (a snapshot of a commit), default the working tree. */
  root?: string
  /** Extra node flags for every instance (e.g. --cpu-prof). */
  nodeArgs?: string[]
  /** Extra environment for every instance. */
  env?: Record<string, string>
}

function baseEnv(secret: string, port: number, dataDir: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    JWT_SECRET: secret,
    ALLOWED_ORIGINS: ORIGIN,
    WS_MAX_MESSAGES_PER_MINUTE: '1000000',
    WS_MAX_CONNECTIONS_PER_IP_PER_MINUTE: '1000000',
    MAX_CONNECTIONS_PER_USER: '1000000',
    DATA_DIR: dataDir,
    // The real-time core only: no ORM, in-memory history. Persistence (connection
    // registry, logs) is a later layer with its own costs; see BENCHMARKS.md.
    DATABASE_ENABLED: 'false',
  }
}

async function startInstance(o: SwitchboardOptions, name: string, extraEnv: Record<string, string>): Promise<{ handle: ChildHandle; port: number; dataDir: string }> {
  const port = await freePort()
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-bench-'))
  const env = { ...baseEnv(o.secret, port, dataDir), ...extraEnv, ...o.env }
  const root = o.root ?? PROJECT_ROOT
  const handle = spawnNode(['--expose-gc', '--import', PRELOAD, ...(o.nodeArgs ?? []), path.join(root, 'server/src/main.ts')], env, name, root)
  const up = await waitForHttp(port, '/health', 30_000, () => !handle.exited)
  if (!up) {
    await handle.stop(1_000)
    rmSync(dataDir, { recursive: true, force: true })
    throw new Error(`${name} did not answer /health on port ${port}\n${handle.output}`)
  }
  return { handle, port, dataDir }
}

function contenderOf(
  id: 'switchboard' | 'switchboard-redis',
  instances: { handle: ChildHandle; port: number; dataDir: string }[],
  extraCpuPids: number[],
  notes: string[],
): Contender {
  const pub = instances[0]!
  const sub = instances[instances.length - 1]!
  return {
    id,
    client: { protocol: 'switchboard', host: '127.0.0.1', port: sub.port },
    publish: { host: '127.0.0.1', port: pub.port, path: '/api/publish' },
    cpuPids: [...instances.map((i) => i.handle.pid), ...extraCpuPids],
    memoryPid: sub.handle.pid,
    memory: () => sub.handle.memory(),
    buffered: async () => undefined,
    origin: ORIGIN,
    notes,
    profile: async (op, kind, prefix) => {
      await Promise.all(
        instances.map((i, k) => i.handle.profile(op, kind, prefix && `${prefix}${instances.length > 1 ? `-${'AB'[k]}` : ''}${profileExtension(kind)}`)),
      )
    },
    heapSnapshot: async (file) => {
      await sub.handle.probe('heap-snapshot', 120_000, { file })
    },
    diagnostics: () => instances.map((i) => i.handle.diagnostics()).filter(Boolean).join('\n'),
    stop: async () => {
      await Promise.all(instances.map((i) => i.handle.stop()))
      for (const i of instances) rmSync(i.dataDir, { recursive: true, force: true })
    },
  }
}

export async function startSwitchboard(o: SwitchboardOptions): Promise<Contender> {
  const inst = await startInstance(o, 'switchboard', {})
  return contenderOf('switchboard', [inst], [], [])
}

/**
 * Two instances sharing Redis: publish on A, subscribers on B. Unavailable
 * (not a failure) when Redis does not answer or B does not deliver what A
 * accepted, e.g. before the Redis bus exists.
 */
export async function startSwitchboardRedis(o: SwitchboardOptions): Promise<Contender> {
  const redis = await redisPid()
  if (redis === undefined) throw new ContenderUnavailable('Redis not reachable at 127.0.0.1:6379')
  // a prefix of its own: a server started by hand on the same Redis never joins the bench's cluster
  const env = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: `sb:bench:${process.pid}:` }
  // Both instances boot at once: start-up time counts for nothing here.
  const started = await Promise.allSettled([startInstance(o, 'switchboard-A', env), startInstance(o, 'switchboard-B', env)])
  const [a, b] = started.map((r) => (r.status === 'fulfilled' ? r.value : undefined))
  try {
    const failed = started.find((r) => r.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
    const reason = await crossInstanceProbe(o.secret, a!.port, b!.port)
    if (reason) throw new ContenderUnavailable(reason)
  } catch (err) {
    await Promise.all([a?.handle.stop(), b?.handle.stop()])
    for (const i of [a, b]) if (i) rmSync(i.dataDir, { recursive: true, force: true })
    throw err
  }
  return contenderOf('switchboard-redis', [a!, b!], [redis], ['server CPU includes both instances and redis-server'])
}

/** Subscribes one client on B, publishes on A; returns why delivery failed, or undefined. */
async function crossInstanceProbe(secret: string, portA: number, portB: number): Promise<string | undefined> {
  const token = signJwt({ sub: 'probe', tenant: 'bench', roles: ['user'] }, secret)
  const ws = new WebSocket(`ws://127.0.0.1:${portB}/ws/connect?token=${token}`, { origin: ORIGIN })
  try {
    const got = new Promise<boolean>((resolve) => {
      ws.on('message', (m: Buffer) => {
        if (m.includes('bench-probe') && m.includes('dashboard_event')) resolve(true)
      })
      ws.on('close', () => resolve(false))
      ws.on('error', () => resolve(false))
    })
    const subscribed = await new Promise<boolean>((resolve) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', id: 'p', channels: ['bench-probe'] })))
      ws.on('message', (m: Buffer) => {
        if (m.includes('"subscribed"')) resolve(true)
      })
      ws.on('error', () => resolve(false))
      setTimeout(() => resolve(false), 5_000)
    })
    if (!subscribed) return 'instance B did not accept a subscription'
    const service = signJwt({ sub: 'probe-publisher', tenant: 'bench', roles: ['service'] }, secret)
    const res = await httpRequest({
      port: portA,
      path: '/api/publish',
      method: 'POST',
      headers: { authorization: `Bearer ${service}` },
      body: JSON.stringify({ type: EVENT_TYPE, tenant: 'bench', channel: 'bench-probe', data: eventData(200, 0) }),
    })
    if (res.status >= 300) return `instance A refused the publish (${res.status} ${res.body.slice(0, 200)})`
    const delivered = await Promise.race([got, sleep(2_000).then(() => false)])
    return delivered ? undefined : 'instance B did not deliver an event published on A (no Redis bus yet?)'
  } finally {
    ws.terminate()
  }
}

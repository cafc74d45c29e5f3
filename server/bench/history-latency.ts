/**
 * `npm run bench:history`: publish -> receive latency on a channel with
 * history kept (in memory, in PGlite, in PostgreSQL) against the same channel
 * without history, printed side by side. Each configuration runs the real
 * server (`server/src/main.ts`) as a child process; the publisher and the
 * subscribers live in this process, so send and receive times share one clock.
 *
 *   npm run bench:history                      # 2,000 publishes per configuration
 *   npm run bench:history -- --count 500 --subscribers 5
 *
 * Not part of `npm test`. PostgreSQL is used when it answers on 127.0.0.1:5432
 * (TEST_DATABASE_URL overrides), in a schema of its own, dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { initOrm, query } from '../src/storage/database.ts'
import { spawnNode } from './contenders/child.ts'
import { PROJECT_ROOT } from './contenders/switchboard.ts'
import { signJwt } from './jwt.ts'
import { freePort, waitForHttp } from './net-util.ts'
import { percentile, sleep } from './stats.ts'

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    subscribers: { type: 'string', default: '10' },
  },
})
const COUNT = Math.max(10, Number(values.count))
const WARMUP = Math.max(0, Number(values.warmup))
const SUBSCRIBERS = Math.max(1, Number(values.subscribers))
const SECRET = 'bench-history-secret-0123456789-0123456789'
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const PG_SCHEMA = `sb_bench_history_${process.pid}`
const CHANNEL = 'bench'
const HISTORY = `${CHANNEL}=10000:600`

interface Configuration {
  name: string
  env: Record<string, string>
}

interface Result {
  name: string
  receive: Float64Array
  publish: Float64Array
  offsets: boolean
  error?: string
}

const now = () => performance.timeOrigin + performance.now()
const log = (line: string) => process.stderr.write(`[bench:history] ${line}\n`)

async function postgresAnswers(): Promise<boolean> {
  try {
    const orm = await initOrm({ url: PG_URL, dataDir: '' })
    try {
      await query(orm, 'select 1')
      return true
    } finally {
      await orm.close()
    }
  } catch {
    return false
  }
}

async function runConfiguration(c: Configuration): Promise<Result> {
  const port = await freePort()
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-bench-history-'))
  const env = {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    JWT_SECRET: SECRET,
    DATA_DIR: dataDir,
    WS_MAX_MESSAGES_PER_MINUTE: '1000000',
    WS_MAX_CONNECTIONS_PER_IP_PER_MINUTE: '1000000',
    ...c.env,
  }
  const server = spawnNode([path.join(PROJECT_ROOT, 'server/src/main.ts')], env, c.name, PROJECT_ROOT)
  const sockets: WebSocket[] = []
  const result: Result = { name: c.name, receive: new Float64Array(0), publish: new Float64Array(0), offsets: false }
  try {
    if (!(await waitForHttp(port, '/health', 60_000, () => !server.exited))) throw new Error(`server did not start\n${server.output}`)
    const received: number[] = []
    let measuring = false
    let withOffset = 0
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const token = signJwt({ sub: `sub-${i}`, tenant: 'bench', roles: ['user'] }, SECRET)
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/connect?token=${token}`)
      sockets.push(ws)
      await new Promise<void>((resolve, reject) => {
        ws.once('error', reject)
        ws.on('message', (raw) => {
          const frame = JSON.parse(String(raw)) as { type: string; offset?: number; data?: { changes?: { t?: number } } }
          if (frame.type === 'subscribed') resolve()
          else if (frame.type === 'welcome') ws.send(JSON.stringify({ type: 'subscribe', id: 's', channels: [CHANNEL] }))
          else if (frame.type === 'task_event' && measuring) {
            received.push(now() - frame.data!.changes!.t!)
            if (frame.offset !== undefined) withOffset++
          }
        })
      })
    }
    const token = signJwt({ sub: 'publisher', tenant: 'bench', roles: ['service'] }, SECRET)
    const publishTimes: number[] = []
    const publish = async (n: number) => {
      const started = now()
      const res = await fetch(`http://127.0.0.1:${port}/api/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ type: 'task_event', tenant: 'bench', channel: CHANNEL, data: { action: 'created', taskId: n, changes: { t: now() } } }),
      })
      await res.arrayBuffer()
      if (res.status !== 200) throw new Error(`publish answered ${res.status}`)
      return now() - started
    }
    for (let n = 0; n < WARMUP; n++) await publish(n)
    await sleep(200)
    measuring = true
    // closed loop: one publish in flight, so the figure is latency, not queueing
    for (let n = 0; n < COUNT; n++) publishTimes.push(await publish(n))
    const deadline = Date.now() + 10_000
    while (received.length < COUNT * SUBSCRIBERS && Date.now() < deadline) await sleep(20)
    if (received.length < COUNT * SUBSCRIBERS) throw new Error(`received ${received.length} of ${COUNT * SUBSCRIBERS}`)
    result.receive = Float64Array.from(received).sort()
    result.publish = Float64Array.from(publishTimes).sort()
    result.offsets = withOffset === received.length
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err)
  } finally {
    for (const ws of sockets) ws.terminate()
    await server.stop(5_000)
    rmSync(dataDir, { recursive: true, force: true })
  }
  return result
}

function row(r: Result, baseline: Result | undefined): string {
  if (r.error) return `| ${r.name} | error: ${r.error.split('\n')[0]} | | | | | |`
  const mean = r.receive.reduce((a, b) => a + b, 0) / r.receive.length
  const p50 = percentile(r.receive, 50)
  const ratio = baseline && !baseline.error ? (p50 / percentile(baseline.receive, 50)).toFixed(2) : '–'
  const f = (x: number) => x.toFixed(3)
  return `| ${r.name} | ${f(p50)} | ${f(percentile(r.receive, 99))} | ${f(mean)} | ${f(percentile(r.publish, 50))} | ${r.offsets ? 'yes' : 'no'} | ${ratio} |`
}

async function main(): Promise<void> {
  const configurations: Configuration[] = [
    { name: 'no history (no database)', env: { DATABASE_ENABLED: 'false' } },
    { name: 'history in memory', env: { DATABASE_ENABLED: 'false', HISTORY_CHANNELS: HISTORY } },
    { name: 'no history (PGlite on)', env: { DATABASE_ENABLED: 'true' } },
    { name: 'history in PGlite', env: { DATABASE_ENABLED: 'true', HISTORY_STORE: 'database', HISTORY_CHANNELS: HISTORY } },
  ]
  const pg = await postgresAnswers()
  if (pg) {
    configurations.push(
      { name: 'no history (PostgreSQL on)', env: { DATABASE_URL: PG_URL, DATABASE_SCHEMA: PG_SCHEMA } },
      { name: 'history in PostgreSQL', env: { DATABASE_URL: PG_URL, DATABASE_SCHEMA: PG_SCHEMA, HISTORY_STORE: 'database', HISTORY_CHANNELS: HISTORY } },
    )
  } else log(`PostgreSQL not answering at ${PG_URL}: its rows are skipped`)

  const results: Result[] = []
  try {
    for (const c of configurations) {
      log(`${c.name}: ${WARMUP} warm-up + ${COUNT} publishes to ${SUBSCRIBERS} subscribers`)
      results.push(await runConfiguration(c))
    }
  } finally {
    if (pg) {
      const orm = await initOrm({ url: PG_URL, dataDir: '' })
      await query(orm, `drop schema if exists "${PG_SCHEMA}" cascade`).catch(() => {})
      await orm.close()
    }
  }
  const baseline = results[0]
  const lines = [
    `### Publish -> receive latency with channel history (${COUNT} publishes, one in flight, ${SUBSCRIBERS} subscribers; ms)`,
    '',
    '| configuration | receive p50 | receive p99 | receive mean | publish RTT p50 | offsets | p50 vs no history |',
    '| --- | ---: | ---: | ---: | ---: | :---: | ---: |',
    ...results.map((r) => row(r, baseline)),
  ]
  process.stdout.write(lines.join('\n') + '\n')
  if (results.some((r) => r.error)) process.exitCode = 1
}

await main()

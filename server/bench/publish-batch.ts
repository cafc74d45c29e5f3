/**
 * `npm run bench:batch`: what `POST /api/publish/batch` saves a backend that
 * publishes many small events, against one `POST /api/publish` per event.
 * The real server (`server/src/main.ts`, real-time core, no database) runs as a
 * child process; N clients each get the events addressed to their user; the
 * server's CPU time (from /proc) is divided by the events delivered. Single
 * publishes and batches alternate, in the same server, for several rounds.
 *
 *   npm run bench:batch
 *   npm run bench:batch -- --events 2000 --batch 50 --clients 100 --rounds 3
 *
 * CPU time is read in clock ticks (10 ms): keep runs long enough (the default
 * 10,000 events) for the batch figure to mean something.
 *
 * Not part of `npm test`; traffic on 127.0.0.1 only; every loop is bounded.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { spawnNode } from './contenders/child.ts'
import { PROJECT_ROOT } from './contenders/switchboard.ts'
import { signJwt } from './jwt.ts'
import { freePort, waitForHttp } from './net-util.ts'
import { cpuMicros } from './proc-stats.ts'
import { sleep } from './stats.ts'

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '100' },
    clients: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
  },
})
const EVENTS = Math.max(100, Number(values.events))
const BATCH = Math.min(100, Math.max(2, Number(values.batch)))
const CLIENTS = Math.max(1, Number(values.clients))
const ROUNDS = Math.max(1, Number(values.rounds))
const SECRET = 'bench-batch-secret-0123456789-0123456789'
const log = (line: string) => process.stderr.write(`[bench:batch] ${line}\n`)

const port = await freePort()
const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-bench-batch-'))
const server = spawnNode(
  [path.join(PROJECT_ROOT, 'server/src/main.ts')],
  {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    JWT_SECRET: SECRET,
    ALLOWED_ORIGINS: 'http://127.0.0.1',
    WS_MAX_CONNECTIONS_PER_IP_PER_MINUTE: '1000000',
    DATABASE_ENABLED: 'false',
    DATA_DIR: dataDir,
  },
  'switchboard',
  PROJECT_ROOT,
)
const sockets: WebSocket[] = []
try {
  if (!(await waitForHttp(port, '/health', 60_000, () => !server.exited))) throw new Error(`server did not start\n${server.output}`)
  let received = 0
  for (let i = 0; i < CLIENTS; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/connect?token=${signJwt({ sub: `u${i}`, tenant: 'acme', roles: ['user'] }, SECRET)}`)
    ws.on('message', (d: Buffer) => {
      if (d.includes('"system_event"')) received++
    })
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    sockets.push(ws)
  }
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${signJwt({ sub: 'svc', tenant: 'acme', roles: ['service'] }, SECRET)}` }
  const event = (i: number) => ({ type: 'system_event', tenant: 'acme', user: `u${i % CLIENTS}`, data: { level: 'info', message: `event ${i}` } })

  async function run(batch: number): Promise<{ cpuUsPerEvent: number; eventsPerSecond: number }> {
    received = 0
    const cpu0 = cpuMicros(server.pid)
    const t0 = performance.now()
    for (let i = 0; i < EVENTS; i += batch) {
      const size = Math.min(batch, EVENTS - i)
      const res =
        batch === 1
          ? await fetch(`http://127.0.0.1:${port}/api/publish`, { method: 'POST', headers, body: JSON.stringify(event(i)) })
          : await fetch(`http://127.0.0.1:${port}/api/publish/batch`, { method: 'POST', headers, body: JSON.stringify({ events: Array.from({ length: size }, (_, k) => event(i + k)) }) })
      if (!res.ok) throw new Error(`publish answered ${res.status}: ${await res.text()}`)
    }
    const deadline = Date.now() + 30_000
    while (received < EVENTS && Date.now() < deadline) await sleep(5)
    if (received < EVENTS) throw new Error(`${EVENTS - received} events not delivered`)
    const seconds = (performance.now() - t0) / 1000
    return { cpuUsPerEvent: (cpuMicros(server.pid) - cpu0) / EVENTS, eventsPerSecond: EVENTS / seconds }
  }

  const rows: string[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    const single = await run(1)
    const batched = await run(BATCH)
    log(`round ${round} done`)
    rows.push(
      `| ${round} | ${single.cpuUsPerEvent.toFixed(1)} | ${single.eventsPerSecond.toFixed(0)} | ${batched.cpuUsPerEvent.toFixed(1)} | ${batched.eventsPerSecond.toFixed(0)} | ${(single.cpuUsPerEvent / batched.cpuUsPerEvent).toFixed(1)}× |`,
    )
  }
  console.log(`### One publish per event vs batches of ${BATCH}: ${EVENTS} events per run, each to one of ${CLIENTS} users\n`)
  console.log('| round | single: srv µs/event | single: events/s | batch: srv µs/event | batch: events/s | CPU saved |')
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const row of rows) console.log(row)
} finally {
  for (const ws of sockets) ws.terminate()
  await server.stop(5_000)
  rmSync(dataDir, { recursive: true, force: true })
}

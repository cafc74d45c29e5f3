/**
 * 500 simulated plugs connected at once (the simulator CLI in a child
 * process, so the figures are the server's own). Figures are recorded with
 * t.comment for the closing note; nothing here asserts a duration.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { deviceServer, enrol, sleep, tenantClient, until } from './device-helpers.ts'

const COUNT = 500
const CLI = fileURLToPath(new URL('../../../src/cli/simulate-devices.ts', import.meta.url))
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`

t.test(`${COUNT} simulated devices connected at once: all online, events to the tenant, all offline when they go`, async (t) => {
  const s = await deviceServer(t)
  const client = await tenantClient(t, s, 'clinic-1')
  const url = await enrol(s, 'clinic-1')
  global.gc?.()
  const rssBefore = process.memoryUsage().rss
  const heapBefore = process.memoryUsage().heapUsed
  const cpuBefore = process.cpuUsage()
  const started = performance.now()

  const child = spawn(process.execPath, [CLI, '--count', String(COUNT), '--url', url, '--power-ms', '5000', '--energy-ms', '60000', '--on', '0.5'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let childOut = ''
  child.stdout.on('data', (d) => (childOut += String(d)))
  child.stderr.on('data', (d) => (childOut += String(d)))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  t.teardown(async () => {
    child.kill('SIGKILL')
    await exited
  })

  const online = () => [...s.app.devices.registry.all()].filter((d) => d.online).length
  // the child takes a moment to boot: the connect phase starts at its first socket
  t.ok(await until(() => s.app.devices.sessions.size > 0, 30_000), 'the simulator connects')
  const firstSocket = performance.now()
  t.ok(await until(() => online() === COUNT, 60_000), `all ${COUNT} online (simulator said: ${childOut.trim().split('\n')[0] ?? ''})`)
  const connectMs = performance.now() - firstSocket
  const cpuConnect = process.cpuUsage(cpuBefore)
  const rssConnected = process.memoryUsage().rss
  t.equal(s.app.devices.sessions.size, COUNT)
  t.ok(await until(() => new Set(client.all('device-update').map((f) => f.data.deviceId)).size === COUNT, 10_000), 'one device-update per device reached the tenant')

  // steady state: power readings every 5 s per plug that is on
  const steadyMs = 10_000
  const cpuSteadyStart = process.cpuUsage()
  const updatesBefore = client.all('device-update').length
  await sleep(steadyMs)
  const cpuSteady = process.cpuUsage(cpuSteadyStart)
  const updatesSteady = client.all('device-update').length - updatesBefore
  global.gc?.()
  const rssSteady = process.memoryUsage().rss
  const heapSteady = process.memoryUsage().heapUsed

  child.kill('SIGKILL')
  await exited
  t.ok(await until(() => online() === 0, 30_000), 'every device offline once the simulator is gone')
  t.ok(await until(() => client.all('device-offline-status').length === COUNT, 10_000), 'one device-offline-status each')

  const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000
  t.comment(`devices: ${COUNT} (server and one tenant client in this process; simulator in a child process)`)
  t.comment(`connect: first socket to all ${COUNT} online in ${connectMs.toFixed(0)} ms (child boot ${(firstSocket - started).toFixed(0)} ms before it); server CPU over the whole phase ${ms(cpuConnect).toFixed(0)} ms`)
  t.comment(`RSS: before ${mb(rssBefore)}, connected ${mb(rssConnected)}, steady ${mb(rssSteady)} (+${mb(rssSteady - rssBefore)}, ~${((rssSteady - rssBefore) / COUNT / 1024).toFixed(1)} KB per device)`)
  t.comment(`heap used: before ${mb(heapBefore)}, steady ${mb(heapSteady)} (GC timing makes the difference noisy; RSS is the figure to compare)`)
  t.comment(`steady ${steadyMs / 1000} s: ${updatesSteady} device-updates delivered, server CPU ${ms(cpuSteady).toFixed(0)} ms (${((ms(cpuSteady) / steadyMs) * 100).toFixed(1)}% of one core)`)
})

/**
 * `npm run simulate:devices -- --count 50 --url 'ws://localhost:3000/shelly?token=...'`
 *   runs N simulated Shelly Plus Plug S devices against a Switchboard `/shelly` endpoint:
 *   NotifyFullStatus on connect, NotifyStatus deltas on change, energy updates, answers to
 *   Switch.Set; they reconnect like real devices when the server goes away.
 *     --count N            devices (default 10)
 *     --url URL            the enrolment URL (POST /api/devices/enrolment-tokens gives it)
 *     --power-ms MS        power readings while on (default 5000; 0 = only on change)
 *     --energy-ms MS       energy counter updates (default 60000, as a real plug)
 *     --toggle-ms MS       every MS one random plug is switched locally (default 0 = never)
 *     --on RATIO           share of plugs on at start (default 0.5)
 *     --mac-prefix HEX     first 6 hex digits of the simulated MACs (default a0b1c2)
 *     --ramp-ms MS         spread the connects over MS (default 0: all at once)
 *
 * `npm run simulate:devices -- --cloud --devices 20 --token secret [--port 6113]`
 *   runs a simulated Shelly Cloud real-time socket instead; add it as a cloud account with
 *   `{"host":"ws://127.0.0.1:6113/shelly/wss/hk_sock","accessToken":"secret"}`.
 */
import { parseArgs } from 'node:util'
import { SimulatedShellyCloud } from '../modules/devices/simulator/simulated-cloud.ts'
import { SimulatedPlug, simulatedMac } from '../modules/devices/simulator/simulated-plug.ts'

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10' },
    url: { type: 'string' },
    'power-ms': { type: 'string', default: '5000' },
    'energy-ms': { type: 'string', default: '60000' },
    'toggle-ms': { type: 'string', default: '0' },
    on: { type: 'string', default: '0.5' },
    'mac-prefix': { type: 'string', default: 'a0b1c2' },
    'ramp-ms': { type: 'string', default: '0' },
    cloud: { type: 'boolean', default: false },
    devices: { type: 'string', default: '10' },
    token: { type: 'string', default: 'simulated-cloud-token' },
    port: { type: 'string', default: '6113' },
    host: { type: 'string', default: '127.0.0.1' },
  },
  allowPositionals: false,
})

const int = (name: string, value: string | undefined, min: number, max: number): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer within ${min}..${max}`)
    process.exit(2)
  }
  return n
}

async function runCloud(): Promise<() => Promise<void>> {
  const n = int('devices', values.devices, 1, 100_000)
  const ids = Array.from({ length: n }, (_, i) => simulatedMac(i, values['mac-prefix']))
  const cloud = new SimulatedShellyCloud({ token: values.token!, deviceIds: ids, statusEveryMs: 10_000 })
  const url = await cloud.listen(int('port', values.port, 0, 65535), values.host)
  console.log(`simulated Shelly Cloud with ${n} devices at ${url}  (accessToken: ${values.token})`)
  console.log(`add it: POST /api/devices/cloud-accounts {"name":"simulated","host":"${url}","accessToken":"${values.token}"}`)
  const t = setInterval(() => console.log(`connections ${cloud.clients.size}, commands ${cloud.stats.commands}, refused ${cloud.stats.refused}`), 10_000)
  t.unref()
  return () => cloud.close()
}

async function runPlugs(): Promise<() => Promise<void>> {
  if (!values.url) {
    console.error('--url ws://host/shelly?token=... is required (POST /api/devices/enrolment-tokens returns it)')
    process.exit(2)
  }
  const count = int('count', values.count, 1, 100_000)
  const onRatio = Number(values.on)
  const rampMs = int('ramp-ms', values['ramp-ms'], 0, 3_600_000)
  const plugs = Array.from(
    { length: count },
    (_, i) =>
      new SimulatedPlug({
        url: values.url!,
        mac: simulatedMac(i, values['mac-prefix']),
        relayOn: Math.random() < onRatio,
        loadWatts: Math.round(20 + Math.random() * 1500),
        powerUpdateMs: int('power-ms', values['power-ms'], 0, 3_600_000),
        energyUpdateMs: int('energy-ms', values['energy-ms'], 0, 3_600_000),
        reconnect: true,
      }),
  )
  const started = Date.now()
  const results = await Promise.allSettled(
    plugs.map((p, i) => new Promise<void>((resolve, reject) => setTimeout(() => p.connect().then(resolve, reject), rampMs === 0 ? 0 : (i * rampMs) / count))),
  )
  const failed = results.filter((r) => r.status === 'rejected')
  console.log(`${count - failed.length}/${count} simulated plugs connected in ${Date.now() - started} ms to ${values.url.replace(/token=[^&]*/, 'token=[REDACTED]')}`)
  if (failed.length > 0) console.log(`first failure: ${String((failed[0] as PromiseRejectedResult).reason?.message ?? failed[0])} (they keep retrying)`)
  const toggleMs = int('toggle-ms', values['toggle-ms'], 0, 3_600_000)
  if (toggleMs > 0) setInterval(() => plugs[Math.floor(Math.random() * plugs.length)]!.press(), toggleMs).unref()
  const t = setInterval(() => {
    const open = plugs.filter((p) => p.socket?.readyState === 1).length
    const sent = plugs.reduce((n, p) => n + p.stats.framesSent, 0)
    const requests = plugs.reduce((n, p) => n + p.stats.requests, 0)
    console.log(`open ${open}/${count}, frames sent ${sent}, requests answered ${requests}`)
  }, 10_000)
  t.unref()
  return async () => {
    for (const p of plugs) p.close()
  }
}

const stop = values.cloud ? await runCloud() : await runPlugs()
const keepAlive = setInterval(() => {}, 1 << 30)
const shutdown = async () => {
  clearInterval(keepAlive)
  await stop()
  setTimeout(() => process.exit(0), 200).unref()
}
process.once('SIGINT', () => void shutdown())
process.once('SIGTERM', () => void shutdown())

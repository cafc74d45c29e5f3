import t from 'tap'
import type { ClusterMessage } from '../../../../src/bus/cluster-message.ts'
import { MemoryBus } from '../../../../src/bus/memory-bus.ts'
import { CommandRelay } from '../../../../src/modules/devices/commands/command-relay.ts'
import type { SwitchResult } from '../../../../src/modules/devices/commands/device-commands.ts'

const log = { warn() {}, info() {}, debug() {}, error() {} } as unknown as ConstructorParameters<typeof CommandRelay>[0]['log']
const ok = (deviceId: string, on: boolean): SwitchResult => ({ ok: true, response: { deviceId, channel: 0, on, wasOn: !on } })

/**
 * Instances on one in-process bus (every message reaches every instance, the
 * sender too, as on Redis). `serves` says which device each one serves.
 */
function cluster(serves: Record<string, string[]>, opts: { live?: string[]; timeoutMs?: number; bus?: MemoryBus } = {}) {
  const bus = opts.bus ?? new MemoryBus()
  const seen: ClusterMessage[] = []
  bus.onMessage((m) => seen.push(m))
  const relays: Record<string, CommandRelay> = {}
  for (const id of Object.keys(serves)) {
    relays[id] = new CommandRelay({
      bus,
      instanceId: id,
      liveInstances: async () => opts.live ?? Object.keys(serves),
      serve: async (deviceId, _channel, on) => (serves[id]!.includes(deviceId) ? ok(deviceId, on) : null),
      timeoutMs: opts.timeoutMs ?? 50,
      log,
    })
    bus.onMessage(relays[id]!.onMessage)
  }
  return { relays, seen }
}

t.test('a command reaches the instance serving the device and comes back with its outcome', async (t) => {
  const { relays, seen } = cluster({ a: [], b: ['dev-1'], c: [] })
  t.same(await relays.a!.switch('dev-1', 0, true), ok('dev-1', true))
  t.equal(seen.filter((m) => m.kind === 'device-command').length, 1, 'one request')
})

t.test('when every other instance says it does not serve the device: offline at once, not after the timeout', async (t) => {
  const { relays, seen } = cluster({ a: [], b: [], c: [] }, { timeoutMs: 60_000 })
  const result = await relays.a!.switch('dev-9', 0, true)
  t.match(result, { ok: false, code: 'DEVICE_OFFLINE', message: /dev-9 is not connected to any instance/ })
  t.same(seen.filter((m) => m.kind === 'device-command-result').map((m) => (m as { origin: string }).origin).sort(), ['b', 'c'])
})

t.test('alone in the cluster: offline without asking', async (t) => {
  const { relays, seen } = cluster({ a: [] }, { live: ['a'] })
  t.match(await relays.a!.switch('dev-1', 0, true), { code: 'DEVICE_OFFLINE' })
  t.equal(seen.length, 0)
})

t.test('an instance that never answers (crashed, lease not yet expired): DEVICE_TIMEOUT after the device bound and a margin', async (t) => {
  const { relays } = cluster({ a: [], b: [] }, { live: ['a', 'b', 'ghost'], timeoutMs: 50 })
  t.match(await relays.a!.switch('dev-1', 0, true), { ok: false, code: 'DEVICE_TIMEOUT' })
})

t.test('a bus that refuses the request, or an unreadable instance list: UNAVAILABLE', async (t) => {
  const bus = new MemoryBus()
  bus.publish = async () => {
    throw new Error('redis down')
  }
  const { relays } = cluster({ a: [], b: ['dev-1'] }, { bus })
  t.match(await relays.a!.switch('dev-1', 0, true), { ok: false, code: 'UNAVAILABLE', message: /redis down/ })
  const lost = new CommandRelay({ bus, instanceId: 'a', liveInstances: async () => Promise.reject(new Error('no registry')), serve: async () => null, timeoutMs: 50, log })
  t.match(await lost.switch('dev-1', 0, true), { code: 'UNAVAILABLE', message: /no registry/ })
})

t.test('a command that throws where it is served is a DEVICE_ERROR; shutdown answers what still waits', async (t) => {
  const bus = new MemoryBus()
  const { relays } = cluster({ a: [] }, { bus, live: ['a', 'b', 'c'], timeoutMs: 60_000 })
  const b = new CommandRelay({ bus, instanceId: 'b', liveInstances: async () => ['a', 'b'], serve: async () => Promise.reject(new Error('boom')), timeoutMs: 50, log })
  bus.onMessage(b.onMessage)
  t.match(await relays.a!.switch('dev-1', 0, true), { ok: false, code: 'DEVICE_ERROR' })
  // c never answers: the request waits until shutdown
  const quiet = new MemoryBus()
  const { relays: r2 } = cluster({ a: [] }, { bus: quiet, live: ['a', 'c'], timeoutMs: 60_000 })
  const pending = r2.a!.switch('dev-1', 0, true)
  await new Promise((r) => setImmediate(r)) // the request is out
  r2.a!.close()
  t.match(await pending, { ok: false, code: 'UNAVAILABLE', message: /shutting down/ })
  t.match(await r2.a!.switch('dev-1', 0, true), { code: 'UNAVAILABLE' }, 'and nothing new waits after it')
})

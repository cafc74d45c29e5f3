import t from 'tap'
import { DeviceSession, type DeviceLink } from '../../../src/modules/devices/ingress/device-session.ts'
import { SessionIndex } from '../../../src/modules/devices/ingress/session-index.ts'
import { OfflineManager } from '../../../src/modules/devices/offline-manager.ts'
import { DeviceRegistry } from '../../../src/modules/devices/state/device-registry.ts'
import { MemoryDeviceStore } from '../../../src/modules/devices/storage/memory-stores.ts'

function fakeLink() {
  const log: string[] = []
  const link: DeviceLink = {
    send: () => true,
    ping: () => void log.push('ping'),
    close: (code) => void log.push(`close ${code}`),
    terminate: () => void log.push('terminate'),
    isClosed: () => false,
  }
  return { link, log }
}

function setup(intervalMs = 1_000, timeoutMs = 400) {
  const offline: string[] = []
  const registry = new DeviceRegistry({
    store: new MemoryDeviceStore(),
    events: { updated: () => {}, wentOffline: (d, reason) => offline.push(`${d.externalId}:${reason}`), assignmentChanged: () => {}, settingsChanged: () => {}, stateChanged: () => {} },
    autoAdmit: () => true,
  })
  const sessions = new SessionIndex()
  const timedOut: string[] = []
  const anonymous: string[] = []
  const manager = new OfflineManager({ registry, sessions, intervalMs, timeoutMs, onHeartbeatTimeout: (s) => timedOut.push(s.id), onAnonymous: (s) => anonymous.push(s.id) })
  const connect = (externalId: string, now: number) => {
    const { link, log } = fakeLink()
    const s = new DeviceSession(externalId, link, { tenant: 't1', tokenId: 'tok', remoteAddress: '127.0.0.1' }, now)
    sessions.add(s)
    const d = registry.findOrCreate({ tenant: 't1', source: 'direct', externalId, upstreamId: null })
    s.device = d
    s.src = externalId
    sessions.bind(d.id, s)
    registry.report(d, { kind: 'full', components: { 'switch:0': { output: true, apower: 5 } }, at: new Date(now) })
    return { s, d, log }
  }
  return { registry, sessions, manager, connect, offline, timedOut, anonymous }
}

t.test('the documented window: ping after intervalMs of silence, offline timeoutMs later', async (t) => {
  const { manager, connect, offline, timedOut } = setup(1_000, 400)
  t.equal(manager.tickMs, 100)
  t.equal(manager.windowMs, 1_500)
  const { s, d, log } = connect('a', 0)
  manager.tick(999)
  t.same(log, [], 'not silent long enough')
  manager.tick(1_000)
  t.same(log, ['ping'])
  manager.tick(1_399)
  t.equal(d.online, true, 'still inside the window')
  manager.tick(1_400)
  t.equal(d.online, false)
  t.same(offline, ['a:heartbeat_timeout'])
  t.same(timedOut, [s.id])
  t.same(log, ['ping', 'terminate'])
  manager.tick(5_000)
  t.same(offline.length, 1, 'once')
})

t.test('a pong or any frame answers the ping; a chatty device is never pinged', async (t) => {
  const { manager, connect } = setup(1_000, 400)
  const { s, d, log } = connect('a', 0)
  manager.tick(1_000)
  s.alive(1_200)
  manager.tick(1_500)
  t.equal(d.online, true)
  t.same(log, ['ping'])
  for (let now = 1_300; now < 10_000; now += 300) {
    s.alive(now)
    manager.tick(now + 50)
  }
  t.same(log, ['ping'], 'frames every 300 ms: no more pings')
})

t.test('socket close: offline at once, unless a newer socket already speaks for the device', async (t) => {
  const { manager, connect, sessions, offline } = setup()
  const first = connect('a', 0)
  const { link } = fakeLink()
  const second = new DeviceSession('second', link, first.s.origin, 10)
  sessions.add(second)
  second.device = first.d
  sessions.bind(first.d.id, second)
  t.equal(manager.socketClosed(first.s), false, 'the replaced socket closing is not an offline')
  t.equal(first.d.online, true)
  t.equal(manager.socketClosed(second), true)
  t.same(offline, ['a:socket_closed'])
})

t.test('an upstream loss takes only that connection’s cloud devices offline', async (t) => {
  const { registry, manager, offline } = setup()
  const at = new Date()
  for (const [id, up] of [
    ['c1', 'up1'],
    ['c2', 'up1'],
    ['c3', 'up2'],
  ] as const) {
    const d = registry.findOrCreate({ tenant: 't1', source: 'cloud', externalId: id, upstreamId: up })
    registry.report(d, { kind: 'full', components: { 'switch:0': { output: true } }, at })
  }
  t.same(manager.upstreamLost('up1').map((d) => d.externalId).sort(), ['c1', 'c2'])
  t.same(offline.sort(), ['c1:upstream_disconnected', 'c2:upstream_disconnected'])
})

t.test('a socket that never names its device is reported after the window', async (t) => {
  const { manager, sessions, anonymous } = setup(1_000, 400)
  const { link } = fakeLink()
  const s = new DeviceSession('anon', link, { tenant: 't1', tokenId: 'x', remoteAddress: '' }, 0)
  sessions.add(s)
  manager.tick(1_399)
  t.same(anonymous, [])
  manager.tick(1_400)
  t.same(anonymous, ['anon'])
})

import t from 'tap'
import { decodeClusterMessage, encodeClusterMessage, encodeUnstamped } from '../../src/bus/cluster-codec.ts'
import type { ClusterMessage } from '../../src/bus/cluster-message.ts'

const message: ClusterMessage = {
  kind: 'event',
  origin: 'n1',
  event: { id: 'e1', type: 'x', ts: '2026-01-01T00:00:00.000Z', target: { kind: 'channel', tenant: 't', channel: 'c' }, data: { a: '|S|' }, offset: 7, epoch: 'ep', publishedAt: 1 },
}

t.test('messages round-trip as JSON', async (t) => {
  t.same(decodeClusterMessage(encodeClusterMessage(message)), message)
  const disconnect: ClusterMessage = { kind: 'disconnect', origin: 'n2', selector: { tenant: 't', user: 'u' }, code: 4005, reason: 'revoked' }
  t.same(decodeClusterMessage(encodeClusterMessage(disconnect)), disconnect)
  const action: ClusterMessage = { kind: 'upstream-action', origin: 'n3', connectionId: 'shelly-sca_1', action: 'restart' }
  t.same(decodeClusterMessage(encodeClusterMessage(action)), action)
  const device = { id: 'dev_1', tenant: 't', source: 'direct', externalId: 'p1', upstreamId: null, name: 'Room 1', model: null, generation: null, approval: 'approved', online: false, relayOn: null, currentPower: null, voltage: null, current: null, temperature: null, totalEnergy: null, lastSeenAt: null, equipmentId: null, equipmentName: null, appointmentOnlyMode: false, stateSeq: 1, createdAt: '2026-01-01T00:00:00.000Z' } as const
  const settings: ClusterMessage = { kind: 'device-settings', origin: 'n4', device }
  t.same(decodeClusterMessage(encodeClusterMessage(settings)), settings)
  const session: ClusterMessage = { kind: 'device-session', origin: 'n4', deviceId: 'dev_1' }
  t.same(decodeClusterMessage(encodeClusterMessage(session)), session)
  const state: ClusterMessage = { kind: 'device-state', origin: 'n4', deviceId: 'dev_1', online: true, readings: { relayOn: true, currentPower: 5, voltage: 230, current: 0.02, temperature: 30, totalEnergy: 1 }, lastSeenAt: null }
  t.same(decodeClusterMessage(encodeClusterMessage(state)), state)
  const revoked: ClusterMessage = { kind: 'enrolment-revoked', origin: 'n4', tokenId: 'et_1' }
  t.same(decodeClusterMessage(encodeClusterMessage(revoked)), revoked)
  const command: ClusterMessage = { kind: 'device-command', origin: 'n5', requestId: 'r', deviceId: 'dev_1', channel: 0, on: true }
  t.same(decodeClusterMessage(encodeClusterMessage(command)), command)
  for (const result of [null, { ok: false as const, code: 'DEVICE_OFFLINE' as const, message: 'x' }]) {
    const answer: ClusterMessage = { kind: 'device-command-result', origin: 'n6', to: 'n5', requestId: 'r', result }
    t.same(decodeClusterMessage(encodeClusterMessage(answer)), answer)
  }
})

t.test('a stamped message takes its position from the prefix the history script wrote', async (t) => {
  const unstamped = encodeUnstamped(message)
  t.notOk(JSON.parse(unstamped).event.offset, 'stored without a position')
  const decoded = decodeClusterMessage(`S42|e9|${unstamped}`)
  t.equal(decoded?.kind, 'event')
  if (decoded?.kind === 'event') {
    t.equal(decoded.event.offset, 42)
    t.equal(decoded.event.epoch, 'e9')
    t.same(decoded.event.data, { a: '|S|' }, 'bars in the payload do not confuse the header')
  }
})

t.test('anything malformed is null, never a throw', async (t) => {
  for (const text of ['', 'not json', 'S1|', 'Sx|e|{}', 'S1||{}', '{"kind":"nope","origin":"x"}', '{"kind":"event","origin":"x"}', '{"kind":"event","origin":"x","event":{"id":1}}', '{"kind":"disconnect","origin":"x"}', '{"kind":"upstream-action","origin":"x","connectionId":"c","action":"delete"}', '{"kind":"upstream-action","origin":"x","action":"stop"}', '{"kind":"device-settings","origin":"x","device":{"id":"d"}}', '{"kind":"device-settings","origin":"x","device":null}', '{"kind":"device-session","origin":"x"}', '{"kind":"enrolment-revoked","origin":"x","tokenId":7}', '{"kind":"device-state","origin":"x","deviceId":"d","online":"yes","readings":{}}', '{"kind":"device-state","origin":"x","deviceId":"d","online":true,"readings":null}', '{"kind":"device-command","origin":"x","requestId":"r","deviceId":"d","channel":0.5,"on":true}', '{"kind":"device-command-result","origin":"x","requestId":"r","result":null}', '{"kind":"device-command-result","origin":"x","to":"y","requestId":"r","result":"yes"}', 'null', '[]']) {
    t.equal(decodeClusterMessage(text), null, JSON.stringify(text))
  }
})

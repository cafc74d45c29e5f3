import t from 'tap'
import type { HubEvent } from '../../src/realtime/event.ts'
import { startServer } from '../helpers/server.ts'
import { TestClient } from '../helpers/ws-client.ts'

t.test('a history event that reaches the hub twice is sent once per subscriber', async (t) => {
  const s = await startServer(t, { HISTORY_CHANNELS: 'feed=100:300' })
  const c = await TestClient.connect(s.http, s.token({ sub: 'u', tenant: 'acme', roles: ['user'] }))
  const reply = await c.request({ type: 'subscribe', channels: ['feed'] })
  const { epoch, offset } = (reply.recovery as Array<{ position: { offset: number; epoch: string } }>)[0]!.position
  const at = (n: number): HubEvent => ({
    id: `e${n}`,
    type: 'dashboard_event',
    ts: new Date().toISOString(),
    target: { kind: 'channel', tenant: 'acme', channel: 'feed' },
    data: { reason: `r${n}` },
    offset: offset + n,
    epoch,
    publishedAt: 0,
  })
  // what a bus that filled a gap, or a replay overlapping live delivery, may do
  for (const n of [1, 2, 1, 3, 2, 3]) await s.app.bus.publish({ kind: 'event', origin: 'test', event: at(n) })
  await s.app.bus.publish({ kind: 'event', origin: 'test', event: { ...at(1), id: 'e1-new-epoch', epoch: 'other' } })
  await c.request({ type: 'ping' })
  const got = c.pending((f) => f.type === 'dashboard_event').map((f) => `${f.id}@${f.offset}`)
  t.same(got, ['e1@' + (offset + 1), 'e2@' + (offset + 2), 'e3@' + (offset + 3), `e1-new-epoch@${offset + 1}`], 'each once, in order; a new epoch starts over')
  c.close()
})

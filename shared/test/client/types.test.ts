/**
 * Type-level checks, enforced by `npm run typecheck` (tsc covers shared/test):
 * handler data is typed from the event catalog; unknown types get `unknown`.
 */
import t from 'tap'
import { SwitchboardClient, type EventDataOf, type WebSocketConstructor } from '../../src/client/index.ts'

t.test('handler data is typed from EVENT_CATALOG', async (t) => {
  const seen: string[] = []
  class NeverOpens {
    readyState = 0
    onopen = null
    onmessage = null
    onclose = null
    onerror = null
    send() {}
    close() {}
  }
  const client = new SwitchboardClient({ url: 'ws://127.0.0.1:9', token: 't', WebSocket: NeverOpens as WebSocketConstructor })
  client.on('task_event', (data) => {
    const action: 'created' | 'updated' | 'status_changed' | 'assigned' | 'deleted' = data.action
    seen.push(action)
    // @ts-expect-error task_event has no such field
    void data.notAField
  })
  client.on('SALE_CREATED', (data) => seen.push(String(data.total)))
  client.on('operator-registered-type', (data) => {
    // @ts-expect-error unknown event types are `unknown`
    void data.anything
    seen.push(typeof data)
  })
  const check: EventDataOf<'notification'> = { title: 't', content: '', level: 'info' }
  t.equal(check.level, 'info')
  t.same(seen, [], 'no socket, no pushes')
  t.equal(client.state, 'disconnected')
})

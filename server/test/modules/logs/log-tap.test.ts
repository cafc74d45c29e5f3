import Fastify from 'fastify'
import t from 'tap'
import { LogTap, levelOf } from '../../../src/modules/logs/log-tap.ts'
import type { LogEntry } from '../../../src/modules/logs/service-log.repository.ts'

function logger(tap: LogTap) {
  const lines: string[] = []
  // the server's own logger: Fastify's pino, with the tap installed as it is in app.ts
  const log = Fastify({ logger: { level: 'debug', hooks: tap.hooks, stream: { write: (line: string) => void lines.push(line) } } }).log
  return { log, lines }
}

t.test('pino levels map onto the four log levels', async (t) => {
  t.equal(levelOf(20), 'debug')
  t.equal(levelOf(30), 'info')
  t.equal(levelOf(40), 'warning')
  t.equal(levelOf(50), 'error')
  t.equal(levelOf(60), 'error')
})

t.test('records at or above the level reach the sink; the log itself is unchanged', async (t) => {
  const tap = new LogTap('warning')
  const entries: LogEntry[] = []
  tap.attach((e) => entries.push(e))
  const { log, lines } = logger(tap)
  log.info('not tapped')
  log.warn({ code: 'X1', count: 3 }, 'careful')
  t.equal(lines.length, 2, 'both written to the log')
  t.equal(entries.length, 1)
  t.match(entries[0], { level: 'warning', service: 'switchboard', message: 'careful', metadata: { code: 'X1', count: 3 } })
})

t.test('errors carry their message and stack; bindings give the context', async (t) => {
  const tap = new LogTap('warning')
  const entries: LogEntry[] = []
  tap.attach((e) => entries.push(e))
  const { log } = logger(tap)
  log.child({ room: 'realtime' }).error({ err: new Error('socket exploded') }, 'handler failed')
  t.equal(entries[0]!.level, 'error')
  t.equal(entries[0]!.context, 'realtime')
  t.equal(entries[0]!.message, 'handler failed')
  t.match(entries[0]!.stack, /socket exploded/)
  t.equal(entries[0]!.metadata?.error, 'socket exploded')
})

t.test('secrets never reach the sink', async (t) => {
  const tap = new LogTap('debug')
  const entries: LogEntry[] = []
  tap.attach((e) => entries.push(e))
  const { log } = logger(tap)
  log.warn({ token: 'abc.def.ghi', authorization: 'Bearer xyz', url: '/ws/connect?token=abc.def.ghi&x=1', nested: { token: 'n' } }, 'GET /ws/connect?token=abc.def.ghi failed for Bearer eyJhbGc')
  const text = JSON.stringify(entries)
  t.notMatch(text, /abc\.def\.ghi/)
  t.notMatch(text, /xyz/)
  t.notMatch(text, /eyJhbGc/)
  t.equal(entries[0]!.metadata?.url, '/ws/connect?token=[redacted]&x=1')
  t.notOk('nested' in (entries[0]!.metadata ?? {}), 'objects are left out')
})

t.test('tokens in free text are redacted: token=, and anything shaped like a JWT', async (t) => {
  const tap = new LogTap('warning')
  const entries: LogEntry[] = []
  tap.attach((e) => entries.push(e))
  const { log } = logger(tap)
  log.warn('refused token=abc123 then saw eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl in a header')
  t.equal(entries[0]!.message, 'refused token=[redacted] then saw [redacted] in a header')
})

t.test('a record logged from inside the sink is not tapped again', async (t) => {
  const tap = new LogTap('warning')
  const { log } = logger(tap)
  let calls = 0
  tap.attach(() => {
    calls++
    log.warn('from the sink')
  })
  log.warn('outer')
  t.equal(calls, 1)
})

t.test('a throwing sink does not break logging; detach stops tapping', async (t) => {
  const tap = new LogTap('warning')
  const { log, lines } = logger(tap)
  tap.attach(() => {
    throw new Error('sink down')
  })
  t.doesNotThrow(() => log.error('still logged'))
  t.equal(lines.length, 1)
  let calls = 0
  tap.attach(() => calls++)
  tap.detach()
  log.error('after detach')
  t.equal(calls, 0)
})

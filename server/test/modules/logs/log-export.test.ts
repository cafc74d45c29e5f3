import type { WebsocketLogRecord } from '@switchboard/shared'
import t from 'tap'
import { csvField, csvRow, csvStream, jsonStream } from '../../../src/modules/logs/log-export.ts'

const record = (id: number, message: string | null): WebsocketLogRecord => ({
  id,
  connectionId: 'c1',
  tenant: 't1',
  eventType: 'action',
  level: 'info',
  message,
  errorDetails: null,
  metadata: { a: 1 },
  responseTime: null,
  dataSize: 12,
  actor: 'admin',
  ip: '::1',
  userAgent: 'Mozilla/5.0 (X11, Linux)',
  createdAt: '2026-01-01T00:00:00.000Z',
})

async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  let out = ''
  for await (const chunk of stream) out += String(chunk)
  return out
}

async function* from(records: WebsocketLogRecord[]) {
  yield* records
}

t.test('CSV fields are quoted only when needed, quotes doubled', async (t) => {
  t.equal(csvField('plain'), 'plain')
  t.equal(csvField('a,b'), '"a,b"')
  t.equal(csvField('say "hi"'), '"say ""hi"""')
  t.equal(csvField('two\nlines'), '"two\nlines"')
  t.equal(csvField(null), '')
  t.equal(csvField(42), '42')
  t.equal(csvField({ a: 1, b: 'x' }), '"{""a"":1,""b"":""x""}"')
})

t.test('text that a spreadsheet would run as a formula is defused', async (t) => {
  t.equal(csvField('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`)
  t.equal(csvField('+1'), "'+1")
  t.equal(csvField('-1'), "'-1")
  t.equal(csvField('@cmd'), "'@cmd")
  t.equal(csvField(-1), '-1', 'numbers are numbers')
})

t.test('a CSV row has every export column in order', async (t) => {
  t.equal(csvRow(record(1, 'stop, then start')), '1,2026-01-01T00:00:00.000Z,info,action,t1,c1,"stop, then start",,admin,::1,"Mozilla/5.0 (X11, Linux)",,12,"{""a"":1}"\r\n')
})

t.test('the CSV stream is a header then one line per record', async (t) => {
  const text = await collect(csvStream(from([record(2, 'b'), record(1, 'a')])))
  const lines = text.split('\r\n')
  t.equal(lines[0], 'id,createdAt,level,eventType,tenant,connectionId,message,errorDetails,actor,ip,userAgent,responseTime,dataSize,metadata')
  t.equal(lines.length, 4, 'header, two rows, trailing empty')
  t.match(lines[1], /^2,/)
  t.match(lines[2], /^1,/)
})

t.test('the JSON stream is one valid array, empty or not', async (t) => {
  t.same(JSON.parse(await collect(jsonStream(from([])))), [])
  const parsed = JSON.parse(await collect(jsonStream(from([record(2, 'b'), record(1, 'a')]))))
  t.same(parsed, [record(2, 'b'), record(1, 'a')])
})

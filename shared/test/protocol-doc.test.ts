/**
 * Every JSON example in PROTOCOL.md is a real frame: checked against the
 * TypeBox sources and against the generated protocol.schema.json, so the spec,
 * the schemas and the generated document cannot drift apart.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import type Type from 'typebox'
import Schema from 'typebox/schema'
import Value from 'typebox/value'
import {
  CLIENT_FRAME_SCHEMAS,
  EVENT_CATALOG,
  HttpErrorSchema,
  PRESENCE_PUSHES,
  PublishBodySchema,
  PublishResponseSchema,
  PushFrameSchema,
  SERVER_FRAME_SCHEMAS,
} from '../src/index.ts'

const markdown = readFileSync(new URL('../PROTOCOL.md', import.meta.url), 'utf8')
const protocolSchema = JSON.parse(readFileSync(new URL('../schema/protocol.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>

interface Example {
  kind: string
  text: string
  line: number
}

function examples(): Example[] {
  const found: Example[] = []
  const fence = /^```json(?: ([a-z-]+))?\n([\s\S]*?)^```$/gm
  for (let m = fence.exec(markdown); m; m = fence.exec(markdown)) {
    found.push({ kind: m[1] ?? '', text: m[2] as string, line: markdown.slice(0, m.index).split('\n').length })
  }
  return found
}

/** Validates with the generated JSON Schema document (its `$defs` resolved by `$ref`). */
const checkDef = (def: string, value: unknown): boolean => Schema.Check({ $defs: protocolSchema.$defs, $ref: `#/$defs/${def}` } as never, value)

type Frame = { type: string; data?: unknown; [key: string]: unknown }
const catalog = EVENT_CATALOG as unknown as Record<string, Type.TSchema>

/** [TypeBox verdict, generated-schema verdict] of one example. */
function verdicts(kind: string, frame: Frame): [boolean, boolean] {
  const value: unknown = frame // not narrowed by the type guards below
  switch (kind) {
    case 'client': {
      const schema = (CLIENT_FRAME_SCHEMAS as unknown as Record<string, Type.TSchema>)[frame.type]
      return [schema !== undefined && Value.Check(schema, value), checkDef('ClientFrame', frame)]
    }
    case 'server': {
      const schema = (SERVER_FRAME_SCHEMAS as unknown as Record<string, Type.TSchema>)[frame.type]
      return [schema !== undefined && Value.Check(schema, value), checkDef('ServerFrame', frame)]
    }
    case 'push': {
      const data = catalog[frame.type] ?? (PRESENCE_PUSHES as unknown as Record<string, Type.TSchema>)[frame.type]
      return [Value.Check(PushFrameSchema, value) && data !== undefined && Value.Check(data, frame.data), checkDef(`push.${frame.type}`, frame)]
    }
    case 'publish': {
      const data = catalog[frame.type]
      return [
        Value.Check(PublishBodySchema, value) && data !== undefined && Value.Check(data, frame.data),
        checkDef('http.PublishBody', frame) && checkDef(`event.${frame.type}`, frame.data),
      ]
    }
    case 'publish-response':
      return [Value.Check(PublishResponseSchema, value), checkDef('http.PublishResponse', frame)]
    case 'http-error':
      return [Value.Check(HttpErrorSchema, value), checkDef('http.Error', frame)]
    default:
      return [false, false]
  }
}

const all = examples()

t.test('every JSON example is labelled with what it is', async (t) => {
  t.ok(all.length >= 20, `${all.length} JSON examples found`)
  for (const ex of all) t.ok(['client', 'server', 'push', 'publish', 'publish-response', 'http-error'].includes(ex.kind), `line ${ex.line}: "${ex.kind}"`)
})

t.test('every JSON example is valid for the TypeBox schemas and for protocol.schema.json', async (t) => {
  for (const ex of all) {
    const frame = JSON.parse(ex.text) as Frame
    t.same(verdicts(ex.kind, frame), [true, true], `line ${ex.line}: ${ex.kind} ${frame.type}`)
  }
})

t.test('every client and server frame type has an example', async (t) => {
  const shown = (kind: string) => new Set(all.filter((e) => e.kind === kind).map((e) => (JSON.parse(e.text) as Frame).type))
  const client = shown('client')
  const server = shown('server')
  for (const type of Object.keys(CLIENT_FRAME_SCHEMAS)) t.ok(client.has(type), `client frame ${type}`)
  for (const type of Object.keys(SERVER_FRAME_SCHEMAS)) t.ok(server.has(type), `server frame ${type}`)
})

t.test('the checks reject broken frames (they can fail)', async (t) => {
  t.same(verdicts('client', { type: 'subscribe', channels: ['Orders!'] } as Frame), [false, false], 'bad channel name')
  t.same(verdicts('client', { type: 'ping', id: 'p1', extra: 1 } as Frame), [false, false], 'unknown property')
  t.same(verdicts('server', { type: 'error', code: 'NOPE', message: 'x', temporary: false } as Frame), [false, false], 'unknown error code')
  t.same(
    verdicts('push', { type: 'notification', id: 'e', ts: '2026-11-23T10:00:00.000Z', data: { title: 'x', content: 'y', level: 'loud' } }),
    [false, false],
    'payload violating its event schema',
  )
  t.same(verdicts('push', { type: 'notification', id: 'e', ts: 'yesterday', data: { title: 'x', content: 'y', level: 'info' } }), [false, false], 'bad ts')
  t.same(verdicts('publish', { type: 'task_event', tenant: 't', data: { action: 'exploded', taskId: 1 } }), [false, false])
})

t.test('the generic push of the JSON Schema refuses reserved frame types', async (t) => {
  const push = { id: 'e1', ts: '2026-11-23T10:00:00.000Z', data: {} }
  t.ok(checkDef('PushFrame', { type: 'my-custom-event', ...push }))
  t.notOk(checkDef('PushFrame', { type: 'subscribed', ...push }))
  t.notOk(checkDef('PushFrame', { type: 'notifications:ack', ...push }))
})

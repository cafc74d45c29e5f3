import { readFileSync } from 'node:fs'
import t from 'tap'
import { expectedOutputs, staleFiles } from '../../scripts/generate-schema.ts'
import { buildAsyncApi } from '../../scripts/schema/asyncapi.ts'
import { buildProtocolSchema, type Json, type JsonObject } from '../../scripts/schema/json-schema.ts'
import { describeType, GENERATED_SECTIONS, MarkerError, renderProtocolMd } from '../../scripts/schema/protocol-md.ts'
import { CLIENT_FRAME_SCHEMAS, CLOSE_CODES, ERROR_CODES, EVENT_CATALOG, SERVER_FRAME_SCHEMAS } from '../../src/index.ts'

function refs(node: Json, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refs(item, out)
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value)
      else refs(value, out)
    }
  }
  return out
}

function resolvePointer(doc: Json, pointer: string): Json | undefined {
  let node: Json | undefined = doc
  for (const raw of pointer.replace(/^#\//, '').split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    node = node && typeof node === 'object' && !Array.isArray(node) ? (node as JsonObject)[key] : undefined
  }
  return node
}

t.test('generation is deterministic', async (t) => {
  t.equal(JSON.stringify(buildProtocolSchema()), JSON.stringify(buildProtocolSchema()))
  t.equal(JSON.stringify(buildAsyncApi()), JSON.stringify(buildAsyncApi()))
  for (const content of expectedOutputs().values()) t.ok(content.endsWith('\n'), 'ends with a newline')
})

t.test('protocol.schema.json has a definition for every frame, event, error and close code', async (t) => {
  const schema = buildProtocolSchema()
  const defs = schema.$defs as JsonObject
  for (const type of Object.keys(CLIENT_FRAME_SCHEMAS)) t.ok(defs[`client.${type}`], `client.${type}`)
  for (const type of Object.keys(SERVER_FRAME_SCHEMAS)) t.ok(defs[`server.${type}`], `server.${type}`)
  for (const type of Object.keys(EVENT_CATALOG)) t.ok(defs[`event.${type}`] && defs[`push.${type}`], `event/push ${type}`)
  const errorCodes = ((defs.ErrorCode as JsonObject).oneOf as JsonObject[]).map((o) => o.const)
  t.same(errorCodes, Object.keys(ERROR_CODES))
  const closeCodes = ((defs.CloseCode as JsonObject).oneOf as JsonObject[]).map((o) => [o.const, o['x-terminal']])
  t.same(closeCodes.find(([c]) => c === 4001), [4001, true])
  t.same(closeCodes.find(([c]) => c === 4102), [4102, false])
  t.equal(closeCodes.length, Object.keys(CLOSE_CODES).length)
  t.same(Object.keys(defs), Object.keys(defs).sort(), '$defs in sorted order')
  t.notOk(JSON.stringify(schema).includes('~kind'), 'no TypeBox bookkeeping leaks')
  for (const ref of refs(schema)) t.ok(resolvePointer(schema, ref) !== undefined, `${ref} resolves`)
})

t.test('asyncapi.json references resolve, in itself and into protocol.schema.json', async (t) => {
  const doc = buildAsyncApi()
  const schema = buildProtocolSchema()
  t.equal(doc.asyncapi, '3.0.0')
  const all = refs(doc)
  t.ok(all.length > 100)
  for (const ref of new Set(all)) {
    if (ref.startsWith('./protocol.schema.json#')) t.ok(resolvePointer(schema, ref.slice(ref.indexOf('#'))) !== undefined, ref)
    else t.ok(resolvePointer(doc, ref) !== undefined, ref)
  }
  const ops = doc.operations as Record<string, JsonObject>
  t.same((ops['ws.subscribe']?.reply as JsonObject).messages, [
    { $ref: '#/channels/ws/messages/server.subscribed' },
    { $ref: '#/channels/ws/messages/server.error' },
  ])
  const messages = (doc.components as JsonObject).messages as Record<string, JsonObject>
  t.ok(messages['client.subscribe']?.correlationId, 'requests correlate on id')
  t.notOk(messages['push.task_event']?.correlationId, 'pushes do not: their id is the event id')
  for (const key of Object.keys(messages)) t.match(key, /^[A-Za-z0-9._-]+$/, `component key ${key}`)
})

t.test('PROTOCOL.md sections are replaced between their markers, and missing markers are refused', async (t) => {
  const names = Object.keys(GENERATED_SECTIONS)
  const doc = names.map((n) => `## ${n}\n<!-- generated:${n} -->\nold text\n<!-- /generated:${n} -->\nkept`).join('\n')
  const out = renderProtocolMd(doc)
  t.notMatch(out, /old text/)
  t.match(out, /\| `AUTH_FAILED` \| false \|/)
  t.match(out, /\| 4101 \| `SLOW_CONSUMER` \|/)
  t.equal(out.split('kept').length - 1, names.length, 'text outside the markers is kept')
  t.equal(renderProtocolMd(out), out, 'idempotent')
  t.throws(() => renderProtocolMd('no markers'), MarkerError)
  t.throws(() => renderProtocolMd(`${doc}\n<!-- generated:errors -->\n<!-- /generated:errors -->`), MarkerError, 'a duplicated section')
})

t.test('describeType renders schemas for the event table', async (t) => {
  t.equal(describeType({ anyOf: [{ type: 'string' }, { type: 'null' }] }), 'string \\| null')
  t.equal(describeType({ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } }), '(string \\| integer)[]')
  t.equal(describeType({ type: 'object', patternProperties: { '^.*$': {} } }), 'Record<string, any>')
  t.equal(describeType({ const: 'x' }), '"x"')
  t.equal(describeType({ type: 'object', properties: { a: {}, b: {} } }), '{a, b}')
})

t.test('staleFiles names the files whose content differs', async (t) => {
  const outputs = new Map([
    ['/a', 'same\n'],
    ['/b', 'new\n'],
  ])
  t.same(staleFiles(outputs, (p) => (p === '/a' ? 'same\n' : 'old\n')), ['/b'])
  t.same(staleFiles(outputs, () => ''), ['/a', '/b'], 'a missing file is stale')
})

t.test('the checked-in files are current', async (t) => {
  for (const [path, content] of expectedOutputs()) t.equal(readFileSync(path, 'utf8') === content, true, path)
})

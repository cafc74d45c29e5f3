import { EVENT_CATALOG, EVENT_TYPES } from '@switchboard/shared'
import Value from 'typebox/value'
import t from 'tap'
import { buildData, exampleOf, fieldsOf, type JsonSchema } from '../src/lib/schema-form.ts'

const schemaOf = (type: keyof typeof EVENT_CATALOG) => EVENT_CATALOG[type] as unknown as JsonSchema

t.test('fields of the notification event: two texts and an enum', async (t) => {
  const fields = fieldsOf(schemaOf('notification'))
  t.match(fields, [
    { name: 'title', kind: 'string', required: true },
    { name: 'content', kind: 'string', required: true },
    { name: 'level', kind: 'enum', options: ['info', 'success', 'warning', 'error'], initial: 'info' },
  ])
})

t.test('nullable, numeric, boolean and JSON fields of device-update', async (t) => {
  const byName = Object.fromEntries(fieldsOf(schemaOf('device-update')).map((f) => [f.name, f]))
  t.match(byName.online, { kind: 'boolean', required: true })
  t.match(byName.currentPower, { kind: 'number', nullable: true, required: true })
  t.match(byName.relayOn, { kind: 'boolean', nullable: true })
  t.match(byName.lastSeenAt, { kind: 'string', nullable: true })
  const task = Object.fromEntries(fieldsOf(schemaOf('task_event')).map((f) => [f.name, f]))
  t.match(task.taskId, { kind: 'string-or-number' })
  t.match(task.assignedTo, { kind: 'json', required: false })
  t.match(task.changes, { kind: 'json' })
})

t.test('inputs become data that the catalog schema accepts', async (t) => {
  const schema = EVENT_CATALOG['device-update']
  const { data, errors } = buildData(fieldsOf(schema as unknown as JsonSchema), {
    deviceId: 'plug-1',
    online: 'true',
    relayOn: '',
    currentPower: '12.5',
    lastSeenAt: '',
    voltage: '',
  })
  t.same(errors, {})
  t.same(data, { deviceId: 'plug-1', online: true, relayOn: null, currentPower: 12.5, lastSeenAt: null }, 'optional empties left out')
  t.ok(Value.Check(schema, data), 'valid against the schema')
})

t.test('bad inputs are reported per field and nothing is guessed', async (t) => {
  const fields = fieldsOf(schemaOf('task_event'))
  const { errors } = buildData(fields, { action: 'created', taskId: '', priority: 'high', assignedTo: '[1, 2', changes: '' })
  t.same(errors, { taskId: 'required', assignedTo: 'not valid JSON' })
  const nums = buildData(fieldsOf({ type: 'object', required: ['n'], properties: { n: { type: 'integer' } } }), { n: '1.5' })
  t.same(nums.errors, { n: 'not a whole number' })
})

t.test('text lengths from the schema are checked before sending', async (t) => {
  const fields = fieldsOf(schemaOf('device-update'))
  t.match(buildData(fields, { deviceId: '', online: 'true' }).errors, { deviceId: 'required' }, 'minLength 1 makes an empty text missing')
  const notif = fieldsOf(schemaOf('notification'))
  t.equal(buildData(notif, { title: 'x'.repeat(257), content: '' }).errors.title, 'at most 256 characters')
  t.same(buildData(notif, { title: 'hi', content: '' }).data, { title: 'hi', content: '', level: 'info' }, 'an empty required text without minLength is sent')
})

t.test('string-or-number keeps digits as numbers and words as text', async (t) => {
  const fields = fieldsOf(schemaOf('task_event'))
  t.equal(buildData(fields, { action: 'created', taskId: '42' }).data.taskId, 42)
  t.equal(buildData(fields, { action: 'created', taskId: 'T-42' }).data.taskId, 'T-42')
})

t.test('an example exists for every catalogued event and is valid for most', async (t) => {
  let valid = 0
  for (const type of EVENT_TYPES) {
    const example = exampleOf(EVENT_CATALOG[type] as unknown as JsonSchema)
    t.type(example, 'object', type)
    if (Value.Check(EVENT_CATALOG[type], example)) valid++
  }
  t.ok(valid >= EVENT_TYPES.length - 2, `${valid}/${EVENT_TYPES.length} examples valid as they are`)
})

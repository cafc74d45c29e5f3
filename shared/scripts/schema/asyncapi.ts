/**
 * Builds `shared/schema/asyncapi.json` (AsyncAPI 3.0), describing the server:
 * `receive` operations are frames a client sends, `send` operations frames the
 * server sends. Payloads are `$ref`s into protocol.schema.json (JSON Schema
 * 2020-12, declared with `schemaFormat`), so nothing is defined twice.
 * Request/reply pairs use AsyncAPI's `reply` with the `id` correlation; pushes
 * carry no correlation id because their `id` is the event's, not a request's.
 */
import { CLIENT_FRAME_SCHEMAS, EVENT_CATALOG, PRESENCE_PUSH_TYPES, PROTOCOL_VERSION, SERVER_FRAME_SCHEMAS } from '../../src/index.ts'
import { defName, type Json, type JsonObject } from './json-schema.ts'

const SCHEMA_FORMAT = 'application/schema+json;version=draft-2020-12'
const SCHEMA_FILE = './protocol.schema.json'

/** Component keys allow `[A-Za-z0-9._-]`; event types may contain `:`. */
const messageKey = (def: string) => def.replace(/[^A-Za-z0-9._-]/g, '.')

/**
 * The replies each client request may get (`error` always may). Kept here because the schemas
 * cannot say it; generation fails when a client frame type is missing, so a new frame cannot
 * be forgotten.
 */
const REPLIES: Record<string, string[]> = {
  auth: ['auth_success', 'auth_error', 'error'],
  ping: ['pong'],
  subscribe: ['subscribed', 'error'],
  unsubscribe: ['unsubscribed', 'error'],
  'notifications:get': ['notifications', 'error'],
  'notifications:read': ['notifications:ack', 'error'],
  'notifications:read-all': ['notifications:ack', 'error'],
  'notifications:delete': ['notifications:ack', 'error'],
  'device:switch': ['device:switch:result', 'error'],
  'presence:get': ['presence', 'error'],
}
/** Client frames that answer the server instead of asking it. */
const ANSWERS = new Set(['pong'])
/** Server frames that are not replies to a request. */
const UNSOLICITED = new Set(['welcome', 'ping'])

const REQUEST_TYPES = new Set(Object.keys(REPLIES))
const REPLY_TYPES = new Set(Object.values(REPLIES).flat())

export class AsyncApiMappingError extends Error {
  override name = 'AsyncApiMappingError'
}

function checkMapping(): void {
  for (const type of Object.keys(CLIENT_FRAME_SCHEMAS)) {
    if (!REQUEST_TYPES.has(type) && !ANSWERS.has(type)) throw new AsyncApiMappingError(`asyncapi.ts: add client frame "${type}" to REPLIES`)
  }
  for (const type of Object.keys(SERVER_FRAME_SCHEMAS)) {
    if (!REPLY_TYPES.has(type) && !UNSOLICITED.has(type)) throw new AsyncApiMappingError(`asyncapi.ts: server frame "${type}" answers no request in REPLIES`)
  }
  for (const type of REPLY_TYPES) {
    if (!(type in SERVER_FRAME_SCHEMAS)) throw new AsyncApiMappingError(`asyncapi.ts: REPLIES names unknown server frame "${type}"`)
  }
}

function message(def: string, name: string, title: string, correlated: boolean): JsonObject {
  const msg: JsonObject = {
    name,
    title,
    contentType: 'application/json',
    payload: { schemaFormat: SCHEMA_FORMAT, schema: { $ref: `${SCHEMA_FILE}#/$defs/${def}` } },
  }
  if (correlated) msg['correlationId'] = { $ref: '#/components/correlationIds/requestId' }
  return msg
}

function buildMessages(): JsonObject {
  const messages: JsonObject = {}
  for (const type of Object.keys(CLIENT_FRAME_SCHEMAS)) {
    const def = defName.client(type)
    messages[messageKey(def)] = message(def, type, `${type} (client to server)`, REQUEST_TYPES.has(type))
  }
  for (const type of Object.keys(SERVER_FRAME_SCHEMAS)) {
    const def = defName.server(type)
    messages[messageKey(def)] = message(def, type, `${type} (server to client)`, REPLY_TYPES.has(type))
  }
  for (const type of Object.keys(EVENT_CATALOG)) {
    const def = defName.push(type)
    messages[messageKey(def)] = message(def, type, `${type} event push`, false)
  }
  for (const type of PRESENCE_PUSH_TYPES) {
    const def = defName.push(type)
    messages[messageKey(def)] = message(def, type, `${type} presence push`, false)
  }
  messages['push.custom'] = {
    ...message('PushFrame', 'push', 'push of an operator-registered event type', false),
    description: 'Event types registered by the operator at start-up; `data` follows their registered JSON Schema.',
  }
  return messages
}

const msgRef = (key: string): JsonObject => ({ $ref: `#/components/messages/${key}` })
const client = (t: string) => messageKey(defName.client(t))
const server = (t: string) => messageKey(defName.server(t))

interface OperationSpec {
  action: 'send' | 'receive'
  summary: string
  messages: string[]
  reply?: string[]
}

const REQUEST_SUMMARIES: Record<string, string> = {
  auth: 'Authenticate (on /ws), or refresh the token later.',
  subscribe: 'Join named channels, optionally with filters and history recovery (since).',
  unsubscribe: 'Leave named channels.',
  ping: 'Application-level ping from the client.',
  'notifications:get': "List the user's stored notifications.",
  'notifications:read': 'Mark one notification read.',
  'notifications:read-all': "Mark all of the user's notifications read.",
  'notifications:delete': 'Delete one notification.',
  'device:switch': 'Turn a smart plug relay on or off (roles allowed to control devices).',
  'presence:get': 'Who is subscribed to a channel with presence, and how many connections some users have, cluster-wide.',
}

function operationSpecs(channel: 'ws' | 'wsConnect'): Record<string, OperationSpec> {
  const pushes = [...[...Object.keys(EVENT_CATALOG), ...PRESENCE_PUSH_TYPES].map((t) => messageKey(defName.push(t))), 'push.custom']
  return {
    welcome: {
      action: 'send',
      summary:
        channel === 'ws'
          ? 'First frame of every connection (authenticated: false).'
          : 'First frame (authenticated: true), followed by auth_success.',
      messages: channel === 'ws' ? [server('welcome')] : [server('welcome'), server('auth_success')],
    },
    ...Object.fromEntries(
      Object.entries(REPLIES).map(([type, replies]) => [
        type.replace(/[^A-Za-z0-9_-]/g, '-'),
        {
          action: 'receive',
          summary: REQUEST_SUMMARIES[type] ?? `${type} request`,
          messages: [client(type)],
          reply: replies.map(server),
        } satisfies OperationSpec,
      ]),
    ),
    heartbeat: {
      action: 'send',
      summary: 'Server ping every heartbeatIntervalMs; no pong before the next ping closes the connection with 4102.',
      messages: [server('ping')],
      reply: [client('pong')],
    },
    events: { action: 'send', summary: 'Pushed events (rooms and subscribed channels).', messages: pushes },
    errors: {
      action: 'send',
      summary: 'Error frames not tied to a request (no id): rate limit, malformed JSON, unknown type, not authenticated.',
      messages: [server('error')],
    },
  }
}

function buildOperations(): JsonObject {
  const operations: JsonObject = {}
  for (const channel of ['ws', 'wsConnect'] as const) {
    for (const [name, spec] of Object.entries(operationSpecs(channel))) {
      const channelRef = { $ref: `#/channels/${channel}` }
      const op: JsonObject = {
        action: spec.action,
        channel: channelRef,
        summary: spec.summary,
        messages: spec.messages.map((m) => ({ $ref: `#/channels/${channel}/messages/${m}` })),
      }
      if (spec.reply) {
        op['reply'] = {
          channel: channelRef,
          messages: spec.reply.map((m) => ({ $ref: `#/channels/${channel}/messages/${m}` })),
        }
      }
      operations[`${channel}.${name}`] = op
    }
  }
  return operations
}

export function buildAsyncApi(): JsonObject {
  checkMapping()
  const messages = buildMessages()
  const channelMessages: JsonObject = {}
  for (const key of Object.keys(messages)) channelMessages[key] = msgRef(key)
  const channels: JsonObject = {
    ws: {
      address: '/ws',
      title: 'WebSocket, authenticated by an auth frame',
      description: 'Upgrade without credentials; the server sends welcome, the client sends {type:"auth", token} within authTimeoutMs.',
      messages: channelMessages,
      bindings: { ws: { method: 'GET', bindingVersion: '0.1.0' } },
    },
    wsConnect: {
      address: '/ws/connect',
      title: 'WebSocket, authenticated at the upgrade',
      description: 'GET /ws/connect?token=JWT; a bad token is refused with HTTP 401 before the upgrade.',
      messages: channelMessages,
      bindings: {
        ws: {
          method: 'GET',
          query: {
            type: 'object',
            required: ['token'],
            properties: { token: { type: 'string', description: 'JWT (HS256 by default); never logged by the server' } },
          },
          bindingVersion: '0.1.0',
        },
      },
    },
  }
  const doc: Record<string, Json> = {
    asyncapi: '3.0.0',
    id: `urn:switchboard:protocol:v${PROTOCOL_VERSION}`,
    info: {
      title: 'Switchboard real-time protocol',
      version: String(PROTOCOL_VERSION),
      description:
        'Generated from shared/src by shared/scripts/generate-schema.ts; do not edit. JSON text frames over WebSocket; see shared/PROTOCOL.md for the rules this document cannot express (ordering, limits, close codes).',
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: 'localhost:3000',
        protocol: 'ws',
        description: 'npm start defaults; use wss behind TLS in production',
      },
    },
    channels,
    operations: buildOperations(),
    components: {
      messages,
      correlationIds: {
        requestId: {
          description: 'A request `id` chosen by the client, echoed by the reply. Pushes carry an event id in `id`, never a request id.',
          location: '$message.payload#/id',
        },
      },
    },
  }
  return doc
}

/**
 * Builds `shared/schema/protocol.schema.json` from the TypeBox sources. TypeBox
 * schemas already are JSON Schema; `plain()` drops TypeBox's non-enumerable
 * bookkeeping (`~kind`, `~optional`) by a JSON round trip. Definitions are
 * inlined as TypeBox writes them (no guessed `$ref` sharing), so every `$defs`
 * entry reads on its own.
 */
import {
  CatalogResponseSchema,
  CLIENT_FRAME_SCHEMAS,
  CLOSE_CODE_REASONS,
  CLOSE_CODES,
  ERROR_CODES,
  EVENT_CATALOG,
  HttpErrorSchema,
  isTerminalCloseCode,
  PROTOCOL_VERSION,
  PublishBatchBodySchema,
  PublishBatchResponseSchema,
  PublishBodySchema,
  PublishResponseSchema,
  PushFrameSchema,
  PRESENCE_PUSHES,
  RESERVED_FRAME_TYPES,
  SERVER_FRAME_SCHEMAS,
  StatsResponseSchema,
  StreamPositionSchema,
  TestBroadcastBodySchema,
  TestBroadcastResponseSchema,
  ChannelNameSchema,
  RequestIdSchema,
} from '../../src/index.ts'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema'

export function plain(schema: unknown): JsonObject {
  return JSON.parse(JSON.stringify(schema)) as JsonObject
}

/** `$defs` key of each definition; event types keep their exact spelling (`dlq:event:added`). */
export const defName = {
  client: (type: string) => `client.${type}`,
  server: (type: string) => `server.${type}`,
  push: (type: string) => `push.${type}`,
  event: (type: string) => `event.${type}`,
}

const ref = (name: string): JsonObject => ({ $ref: `#/$defs/${name}` })
const sorted = (keys: Iterable<string>) => [...keys].sort()

/** A push of one catalog event: the generic push frame with `type` fixed and `data` typed. */
function typedPush(type: string): JsonObject {
  const push = plain(PushFrameSchema)
  const properties = push['properties'] as JsonObject
  properties['type'] = { type: 'string', const: type }
  properties['data'] = ref(defName.event(type))
  return { title: `${type} push`, ...push }
}

/** The generic push: any event type, including operator-registered ones, never a reserved frame type. */
function genericPush(): JsonObject {
  const push = plain(PushFrameSchema)
  const properties = push['properties'] as JsonObject
  properties['type'] = { type: 'string', not: { enum: sorted(RESERVED_FRAME_TYPES) } }
  return {
    title: 'push (any event type)',
    description: '`id` is the event id (never a request id); `channel` absent for room deliveries; `offset`/`epoch` present when the channel keeps history.',
    ...push,
  }
}

function errorCodes(): JsonObject {
  return {
    title: 'error code',
    description: '`temporary: true` (x-temporary) means the same request may succeed later unchanged.',
    type: 'string',
    oneOf: Object.entries(ERROR_CODES).map(([code, { message, temporary }]) => ({
      const: code,
      description: message,
      'x-temporary': temporary,
    })),
  }
}

function closeCodes(): JsonObject {
  return {
    title: 'WebSocket close code',
    description: 'x-terminal: true means a client must not reconnect automatically (1008, 1009, 4000-4099). Any other code: reconnect with backoff.',
    type: 'integer',
    oneOf: Object.entries(CLOSE_CODES).map(([name, code]) => ({
      const: code,
      title: name,
      description: CLOSE_CODE_REASONS[code],
      'x-terminal': isTerminalCloseCode(code),
    })),
  }
}

export function buildProtocolSchema(): JsonObject {
  const defs: JsonObject = {}
  const clientTypes = Object.keys(CLIENT_FRAME_SCHEMAS) as (keyof typeof CLIENT_FRAME_SCHEMAS)[]
  const serverTypes = Object.keys(SERVER_FRAME_SCHEMAS) as (keyof typeof SERVER_FRAME_SCHEMAS)[]
  const eventTypes = Object.keys(EVENT_CATALOG) as (keyof typeof EVENT_CATALOG)[]

  for (const type of clientTypes) defs[defName.client(type)] = { title: `${type} (client to server)`, ...plain(CLIENT_FRAME_SCHEMAS[type]) }
  for (const type of serverTypes) defs[defName.server(type)] = { title: `${type} (server to client)`, ...plain(SERVER_FRAME_SCHEMAS[type]) }
  for (const type of eventTypes) defs[defName.event(type)] = { title: `${type} payload`, ...plain(EVENT_CATALOG[type]) }
  for (const type of eventTypes) defs[defName.push(type)] = typedPush(type)
  // presence pushes: typed like events, but not in the catalog (nobody publishes them)
  for (const [type, schema] of Object.entries(PRESENCE_PUSHES)) {
    defs[defName.event(type)] = { title: `${type} payload`, ...plain(schema) }
    defs[defName.push(type)] = typedPush(type)
  }

  defs['ClientFrame'] = { title: 'any client frame', oneOf: clientTypes.map((t) => ref(defName.client(t))) }
  defs['ServerFrame'] = { title: 'any reply or control frame from the server', oneOf: serverTypes.map((t) => ref(defName.server(t))) }
  defs['PushFrame'] = genericPush()
  defs['EventType'] = { title: 'built-in event type', type: 'string', enum: eventTypes }
  defs['ErrorCode'] = errorCodes()
  defs['CloseCode'] = closeCodes()
  defs['RequestId'] = { title: 'request id (echoed by the reply)', ...plain(RequestIdSchema) }
  defs['ChannelName'] = { title: 'channel name (scoped to the connection tenant)', ...plain(ChannelNameSchema) }
  defs['StreamPosition'] = { title: 'history position of a channel', ...plain(StreamPositionSchema) }
  defs['http.PublishBody'] = { title: 'POST /api/publish body', ...plain(PublishBodySchema) }
  defs['http.PublishResponse'] = { title: 'POST /api/publish 200 body', ...plain(PublishResponseSchema) }
  defs['http.PublishBatchBody'] = { title: 'POST /api/publish/batch body', ...plain(PublishBatchBodySchema) }
  defs['http.PublishBatchResponse'] = { title: 'POST /api/publish/batch 200 body', ...plain(PublishBatchResponseSchema) }
  defs['http.CatalogResponse'] = { title: 'GET /api/catalog 200 body', ...plain(CatalogResponseSchema) }
  defs['http.Error'] = { title: 'error body of every HTTP API', ...plain(HttpErrorSchema) }
  defs['http.StatsResponse'] = { title: 'GET /ws/stats body', ...plain(StatsResponseSchema) }
  defs['http.TestBroadcastBody'] = { title: 'POST /ws/_test/broadcast body', ...plain(TestBroadcastBodySchema) }
  defs['http.TestBroadcastResponse'] = { title: 'POST /ws/_test/broadcast 200 body', ...plain(TestBroadcastResponseSchema) }

  const ordered: JsonObject = {}
  for (const key of sorted(Object.keys(defs))) ordered[key] = defs[key] as Json
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `urn:switchboard:protocol:v${PROTOCOL_VERSION}`,
    title: `Switchboard wire protocol v${PROTOCOL_VERSION}`,
    description:
      'Generated from shared/src by shared/scripts/generate-schema.ts; do not edit. Every WebSocket text frame is one of: a client frame, a server reply/control frame, or a push. See shared/PROTOCOL.md.',
    'x-protocol-version': PROTOCOL_VERSION,
    anyOf: [ref('ClientFrame'), ref('ServerFrame'), ref('PushFrame')],
    $defs: ordered,
  }
}

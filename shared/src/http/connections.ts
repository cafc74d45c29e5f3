import Type from 'typebox'

/** Reference 000's connection types; CLIENT is a socket of Switchboard's own gateway. */
export const WsConnectionTypeSchema = Type.Union([
  Type.Literal('CLIENT'),
  Type.Literal('SHELLY'),
  Type.Literal('SOCKET_IO'),
  Type.Literal('CUSTOM'),
  Type.Literal('TEST'),
])
export type WsConnectionType = Type.Static<typeof WsConnectionTypeSchema>

export const WsConnectionStatusSchema = Type.Union([
  Type.Literal('connected'),
  Type.Literal('disconnected'),
  Type.Literal('error'),
  Type.Literal('reconnecting'),
])
export type WsConnectionStatus = Type.Static<typeof WsConnectionStatusSchema>

const NullableString = Type.Union([Type.String(), Type.Null()])
const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()])

/** One row of `websocket_connection` as the API shows it. */
export const ConnectionRecordSchema = Type.Object({
  id: Type.String(),
  type: WsConnectionTypeSchema,
  referenceId: Type.String(),
  status: WsConnectionStatusSchema,
  autoReconnect: Type.Boolean(),
  lastPingAt: NullableTime,
  errorMessage: NullableString,
  metadata: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  user: NullableString,
  tenant: NullableString,
  roles: Type.Array(Type.String()),
  ip: NullableString,
  userAgent: NullableString,
  origin: NullableString,
  instanceId: NullableString,
  connectedAt: NullableTime,
  authenticatedAt: NullableTime,
  disconnectedAt: NullableTime,
  closeCode: Type.Union([Type.Integer(), Type.Null()]),
  closeReason: NullableString,
  messagesIn: Type.Integer({ minimum: 0 }),
  messagesOut: Type.Integer({ minimum: 0 }),
  subscriptions: Type.Array(Type.String()),
  /** True when counters and subscriptions come from the live connection on the answering instance. */
  live: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})
export type ConnectionRecord = Type.Static<typeof ConnectionRecordSchema>

/** `GET /api/websocket/connections`: filters and page (newest first). */
export const ConnectionListQuerySchema = Type.Object(
  {
    status: Type.Optional(WsConnectionStatusSchema),
    type: Type.Optional(WsConnectionTypeSchema),
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
)
export type ConnectionListQuery = Type.Static<typeof ConnectionListQuerySchema>

export const ConnectionListResponseSchema = Type.Object({
  items: Type.Array(ConnectionRecordSchema),
  total: Type.Integer({ minimum: 0 }),
  page: Type.Integer({ minimum: 1 }),
  limit: Type.Integer({ minimum: 1 }),
})
export type ConnectionListResponse = Type.Static<typeof ConnectionListResponseSchema>

export const ConnectionIdParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

/**
 * Reference 000's control actions. For a CLIENT connection: `stop` closes it
 * with 4004 (terminal: the client must not come back) and turns auto-reconnect
 * off; `restart` closes it with 4100 (reconnect now) and turns it back on;
 * `start` turns auto-reconnect on (only the client can open its socket);
 * `toggle-reconnect` flips the flag and nothing else.
 */
export const ConnectionActionSchema = Type.Union([
  Type.Literal('start'),
  Type.Literal('stop'),
  Type.Literal('restart'),
  Type.Literal('toggle-reconnect'),
])
export type ConnectionAction = Type.Static<typeof ConnectionActionSchema>

export const ConnectionActionParamsSchema = Type.Object({
  connectionId: Type.String({ minLength: 1, maxLength: 64 }),
  action: ConnectionActionSchema,
})

/** `POST /api/websocket/:connectionId/:action`: reference 000's response, exactly. */
export const ConnectionActionResponseSchema = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  data: Type.Object({
    connectionId: Type.String(),
    status: WsConnectionStatusSchema,
    autoReconnect: Type.Boolean(),
  }),
})
export type ConnectionActionResponse = Type.Static<typeof ConnectionActionResponseSchema>

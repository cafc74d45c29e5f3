import Type from 'typebox'
import { LogEntrySchema, LogLevelSchema } from '../events/logs.ts'

/** Reference 000's `websocket_log.event_type`. */
export const LogEventTypeSchema = Type.Union([
  Type.Literal('connect'),
  Type.Literal('disconnect'),
  Type.Literal('error'),
  Type.Literal('message'),
  Type.Literal('action'),
])
export type LogEventType = Type.Static<typeof LogEventTypeSchema>

const NullableString = Type.Union([Type.String(), Type.Null()])
const NullableInteger = Type.Union([Type.Integer(), Type.Null()])

/**
 * One `websocket_log` row: a connection event or the audit entry of a manual
 * action (`actor`, `ip`, `userAgent` say who). Never a token or a message body.
 */
export const WebsocketLogRecordSchema = Type.Object({
  id: Type.Integer(),
  connectionId: NullableString,
  tenant: NullableString,
  eventType: LogEventTypeSchema,
  level: LogLevelSchema,
  message: NullableString,
  errorDetails: NullableString,
  metadata: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  responseTime: NullableInteger,
  dataSize: NullableInteger,
  actor: NullableString,
  ip: NullableString,
  userAgent: NullableString,
  createdAt: Type.String({ format: 'date-time' }),
})
export type WebsocketLogRecord = Type.Static<typeof WebsocketLogRecordSchema>

/**
 * `GET /api/websocket/logs`: newest first, keyset-paginated (`before` = the
 * previous page's `nextCursor`). With `format=csv|json` the whole filtered set
 * is streamed as a download instead of one page.
 */
export const LogQuerySchema = Type.Object(
  {
    eventType: Type.Optional(LogEventTypeSchema),
    connectionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    level: Type.Optional(LogLevelSchema),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    /** Case-insensitive substring of the message. */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')])),
  },
  { additionalProperties: false },
)
export type LogQuery = Type.Static<typeof LogQuerySchema>

export const LogPageSchema = Type.Object({
  items: Type.Array(WebsocketLogRecordSchema),
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: NullableInteger,
})
export type LogPage = Type.Static<typeof LogPageSchema>

/** Columns of the CSV export, in order. */
export const LOG_EXPORT_COLUMNS = [
  'id',
  'createdAt',
  'level',
  'eventType',
  'tenant',
  'connectionId',
  'message',
  'errorDetails',
  'actor',
  'ip',
  'userAgent',
  'responseTime',
  'dataSize',
  'metadata',
] as const satisfies ReadonlyArray<keyof WebsocketLogRecord>

/** A stored reference-004 log entry: the `log:*` event payload plus its id and tenant. */
export const ServiceLogRecordSchema = Type.Object({
  ...LogEntrySchema.properties,
  id: Type.Integer(),
  tenant: Type.String(),
})
export type ServiceLogRecord = Type.Static<typeof ServiceLogRecordSchema>

/** `GET /api/v1/notifications/logs/recent?level=&service=&limit=` (reference 004). */
export const RecentLogsQuerySchema = Type.Object(
  {
    level: Type.Optional(LogLevelSchema),
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    context: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
)
export type RecentLogsQuery = Type.Static<typeof RecentLogsQuerySchema>

export const RecentLogsResponseSchema = Type.Array(ServiceLogRecordSchema)

/** `GET /api/v1/notifications/logs/stats` (reference 004's shape). */
export const LogStatsResponseSchema = Type.Object({
  total: Type.Integer({ minimum: 0 }),
  byLevel: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
  byService: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
  recentErrors: Type.Array(ServiceLogRecordSchema),
})
export type LogStatsResponse = Type.Static<typeof LogStatsResponseSchema>

/** One entry sent by a backend; `timestamp` defaults to the time received. */
export const IngestLogEntrySchema = Type.Object(
  {
    ...LogEntrySchema.properties,
    timestamp: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
)
export type IngestLogEntry = Type.Static<typeof IngestLogEntrySchema>

/**
 * `POST /api/v1/notifications/logs` (service or admin): one entry or up to
 * 100. They are stored and streamed live on the `logs` channel of the
 * caller's tenant (`tenant` is for admin callers only).
 */
export const IngestLogsBodySchema = Type.Object(
  {
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    entries: Type.Array(IngestLogEntrySchema, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
)
export type IngestLogsBody = Type.Static<typeof IngestLogsBodySchema>

export const IngestLogsResponseSchema = Type.Object({
  accepted: Type.Integer({ minimum: 0 }),
  /** Entries the buffer could not take (database slow or down). */
  dropped: Type.Integer({ minimum: 0 }),
})

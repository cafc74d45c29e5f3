import Type from 'typebox'

export const LogLevelSchema = Type.Union([
  Type.Literal('debug'),
  Type.Literal('info'),
  Type.Literal('warning'),
  Type.Literal('error'),
])

/** Reference 004's LogEntry: `{ timestamp, level, service, context, message, metadata, stack }`. */
export const LogEntrySchema = Type.Object({
  timestamp: Type.String(),
  level: LogLevelSchema,
  service: Type.String({ minLength: 1, maxLength: 128 }),
  context: Type.Optional(Type.String({ maxLength: 256 })),
  message: Type.String({ maxLength: 8192 }),
  metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  stack: Type.Optional(Type.String({ maxLength: 16384 })),
})

export const logEvents = {
  'log:entry': LogEntrySchema,
  'log:error': LogEntrySchema,
  'log:warning': LogEntrySchema,
} as const

import Type from 'typebox'

/** Booking platform event store and dead-letter queue (reference 004). */
export const EventCreatedSchema = Type.Object({
  eventId: Type.String({ minLength: 1 }),
  eventType: Type.String({ minLength: 1, maxLength: 128 }),
  service: Type.String({ minLength: 1, maxLength: 128 }),
  timestamp: Type.String(),
  data: Type.Optional(Type.Unknown()),
})
export const EventFailedSchema = Type.Object({
  eventId: Type.String({ minLength: 1 }),
  error: Type.String({ maxLength: 4096 }),
  service: Type.String({ minLength: 1, maxLength: 128 }),
})
export const EventReplayedSchema = Type.Object({
  eventId: Type.String({ minLength: 1 }),
  replayTimestamp: Type.String(),
})

export const DlqStatsSchema = Type.Object({
  total: Type.Integer({ minimum: 0 }),
  pending: Type.Integer({ minimum: 0 }),
  retrying: Type.Integer({ minimum: 0 }),
  resolved: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0 }),
})

export const eventStoreEvents = {
  'event:created': EventCreatedSchema,
  'event:failed': EventFailedSchema,
  'event:replayed': EventReplayedSchema,
  'dlq:event:added': Type.Object({
    dlqId: Type.String({ minLength: 1 }),
    originalEvent: Type.Unknown(),
    error: Type.String({ maxLength: 4096 }),
  }),
  'dlq:event:retrying': Type.Object({ dlqId: Type.String({ minLength: 1 }), attemptCount: Type.Integer({ minimum: 0 }) }),
  'dlq:event:resolved': Type.Object({ dlqId: Type.String({ minLength: 1 }), resolution: Type.String({ maxLength: 1024 }) }),
  'dlq:event:failed': Type.Object({
    dlqId: Type.String({ minLength: 1 }),
    attemptCount: Type.Integer({ minimum: 0 }),
    maxAttempts: Type.Integer({ minimum: 0 }),
  }),
  'dlq:stats:updated': Type.Object({ stats: DlqStatsSchema, timestamp: Type.String() }),
  'dashboard:metrics:updated': Type.Object({
    metrics: Type.Record(Type.String(), Type.Unknown()),
    dashboard: Type.String({ maxLength: 128 }),
    timestamp: Type.String(),
  }),
} as const

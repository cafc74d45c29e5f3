import Type from 'typebox'

/**
 * Field-operations events (reference 002): tasks, officers ("efectivos"),
 * system alerts and dashboard refreshes, routed by tenant, user or role.
 */
const Id = Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Integer()])

export const TaskEventSchema = Type.Object({
  action: Type.Union([
    Type.Literal('created'),
    Type.Literal('updated'),
    Type.Literal('status_changed'),
    Type.Literal('assigned'),
    Type.Literal('deleted'),
  ]),
  taskId: Id,
  title: Type.Optional(Type.String({ maxLength: 512 })),
  status: Type.Optional(Type.String({ maxLength: 64 })),
  previousStatus: Type.Optional(Type.String({ maxLength: 64 })),
  priority: Type.Optional(Type.String({ maxLength: 32 })),
  assignedTo: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
  changes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})

export const EfectivoEventSchema = Type.Object({
  action: Type.Union([Type.Literal('availability_changed'), Type.Literal('updated'), Type.Literal('location_updated')]),
  efectivoId: Id,
  available: Type.Optional(Type.Boolean()),
  status: Type.Optional(Type.String({ maxLength: 64 })),
  location: Type.Optional(Type.Object({ lat: Type.Number(), lng: Type.Number() })),
  changes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})

export const SystemEventSchema = Type.Object({
  level: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('error'), Type.Literal('critical')]),
  message: Type.String({ minLength: 1, maxLength: 4096 }),
  code: Type.Optional(Type.String({ maxLength: 64 })),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})

export const DashboardEventSchema = Type.Object({
  widget: Type.Optional(Type.String({ maxLength: 128 })),
  reason: Type.Optional(Type.String({ maxLength: 256 })),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})

export const operationsEvents = {
  task_event: TaskEventSchema,
  efectivo_event: EfectivoEventSchema,
  system_event: SystemEventSchema,
  dashboard_event: DashboardEventSchema,
} as const

import Type from 'typebox'

/** Smart-plug events (references 000 and 001): live device state per tenant. */
export const DeviceUpdateSchema = Type.Object({
  deviceId: Type.String({ minLength: 1, maxLength: 128 }),
  online: Type.Boolean(),
  relayOn: Type.Union([Type.Boolean(), Type.Null()]),
  currentPower: Type.Union([Type.Number(), Type.Null()]),
  voltage: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  current: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  temperature: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  totalEnergy: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  lastSeenAt: Type.Union([Type.String(), Type.Null()]),
})

export const DeviceOfflineStatusSchema = Type.Object({
  deviceId: Type.String({ minLength: 1, maxLength: 128 }),
  online: Type.Literal(false),
  relayOn: Type.Boolean(),
  currentPower: Type.Number(),
  reason: Type.Optional(Type.String({ maxLength: 128 })),
  lastSeenAt: Type.Union([Type.String(), Type.Null()]),
})

export const SmartPlugAssignmentSchema = Type.Object({
  deviceId: Type.String({ minLength: 1, maxLength: 128 }),
  equipmentId: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
  equipmentName: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
  appointmentOnlyMode: Type.Optional(Type.Boolean()),
})

/**
 * A connection came or went (reference 001's hand-shake event). Operators get
 * it on `admin-dashboard` for every client of their tenant.
 */
export const ConnectionStatusSchema = Type.Object({
  connected: Type.Boolean(),
  connectionId: Type.String(),
  reason: Type.Optional(Type.String({ maxLength: 256 })),
  user: Type.Optional(Type.String()),
  tenant: Type.Optional(Type.String()),
  code: Type.Optional(Type.Integer()),
})

export const deviceEvents = {
  'device-update': DeviceUpdateSchema,
  'device-offline-status': DeviceOfflineStatusSchema,
  'smart-plug-assignment-updated': SmartPlugAssignmentSchema,
  'connection-status': ConnectionStatusSchema,
} as const

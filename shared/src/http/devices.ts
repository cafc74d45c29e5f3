import Type from 'typebox'

const NullableString = Type.Union([Type.String(), Type.Null()])
const NullableNumber = Type.Union([Type.Number(), Type.Null()])
const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()])
const TenantSchema = Type.String({ minLength: 1, maxLength: 128 })

/** Where a device's state comes from: its own outbound socket (`/shelly`) or a Shelly Cloud account. */
export const DeviceSourceSchema = Type.Union([Type.Literal('direct'), Type.Literal('cloud')])
export type DeviceSource = Type.Static<typeof DeviceSourceSchema>

/**
 * A device first seen on a tenant's enrolment token is `pending` unless the
 * tenant auto-admits; only `approved` devices publish events to the tenant.
 */
export const DeviceApprovalSchema = Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')])
export type DeviceApproval = Type.Static<typeof DeviceApprovalSchema>

/** One smart plug (reference 000's smart plug table) as the API shows it. */
export const DeviceRecordSchema = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  /** The device's own id: the Shelly `src` (direct) or the cloud's device id. */
  externalId: Type.String(),
  source: DeviceSourceSchema,
  /** The `websocket_connection` id of the cloud account a cloud device comes through. */
  upstreamId: NullableString,
  name: Type.String(),
  model: NullableString,
  generation: Type.Union([Type.Integer(), Type.Null()]),
  approval: DeviceApprovalSchema,
  online: Type.Boolean(),
  relayOn: Type.Union([Type.Boolean(), Type.Null()]),
  currentPower: NullableNumber,
  voltage: NullableNumber,
  current: NullableNumber,
  temperature: NullableNumber,
  totalEnergy: NullableNumber,
  /** Server receive time of the device's last frame (device clocks are not trusted). */
  lastSeenAt: NullableTime,
  equipmentId: NullableString,
  equipmentName: NullableString,
  appointmentOnlyMode: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
})
export type DeviceRecord = Type.Static<typeof DeviceRecordSchema>

/** `GET /api/devices`: tenant-scoped unless admin. */
export const DeviceListQuerySchema = Type.Object(
  {
    tenant: Type.Optional(TenantSchema),
    online: Type.Optional(Type.Boolean()),
    approval: Type.Optional(DeviceApprovalSchema),
    source: Type.Optional(DeviceSourceSchema),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
)
export type DeviceListQuery = Type.Static<typeof DeviceListQuerySchema>

export const DeviceListResponseSchema = Type.Object({
  items: Type.Array(DeviceRecordSchema),
  total: Type.Integer({ minimum: 0 }),
  page: Type.Integer({ minimum: 1 }),
  limit: Type.Integer({ minimum: 1 }),
})
export type DeviceListResponse = Type.Static<typeof DeviceListResponseSchema>

export const DeviceIdParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

/** `POST /api/devices/:id/switch`: turns a relay on or off (channel 0 unless given). */
export const DeviceSwitchBodySchema = Type.Object(
  {
    on: Type.Boolean(),
    channel: Type.Optional(Type.Integer({ minimum: 0, maximum: 15 })),
  },
  { additionalProperties: false },
)
export type DeviceSwitchBody = Type.Static<typeof DeviceSwitchBodySchema>

export const DeviceSwitchResponseSchema = Type.Object({
  deviceId: Type.String(),
  channel: Type.Integer(),
  on: Type.Boolean(),
  /** The relay before the command, as the device reported it (`null` when the path does not say). */
  wasOn: Type.Union([Type.Boolean(), Type.Null()]),
})
export type DeviceSwitchResponse = Type.Static<typeof DeviceSwitchResponseSchema>

/** `PUT /api/devices/:id/assignment`: the plug's equipment (null = unassigned). */
export const DeviceAssignmentBodySchema = Type.Object(
  {
    equipmentId: Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()]),
    equipmentName: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    appointmentOnlyMode: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type DeviceAssignmentBody = Type.Static<typeof DeviceAssignmentBodySchema>

/** `PATCH /api/devices/:id`: operator-editable fields. */
export const DeviceUpdateBodySchema = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
)
export type DeviceUpdateBody = Type.Static<typeof DeviceUpdateBodySchema>

/** `GET|PUT /api/devices/settings`: the tenant's admission policy for unknown devices. */
export const DeviceSettingsQuerySchema = Type.Object({ tenant: Type.Optional(TenantSchema) }, { additionalProperties: false })
export const DeviceSettingsBodySchema = Type.Object({ autoAdmit: Type.Boolean() }, { additionalProperties: false })
export const DeviceSettingsSchema = Type.Object({
  tenant: Type.String(),
  autoAdmit: Type.Boolean(),
  /** True when the tenant set it; false when it follows the server default (DEVICE_AUTO_ADMIT). */
  explicit: Type.Boolean(),
})
export type DeviceSettings = Type.Static<typeof DeviceSettingsSchema>

/** `POST /api/devices/enrolment-tokens` (admin or tenant admin). */
export const EnrolmentTokenCreateBodySchema = Type.Object(
  {
    /** Admin only; a tenant admin's token is for its own tenant. */
    tenant: Type.Optional(TenantSchema),
    label: Type.Optional(Type.String({ maxLength: 128 })),
    /** Omitted: the token does not expire (revoke it instead). */
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 31_536_000 })),
  },
  { additionalProperties: false },
)
export type EnrolmentTokenCreateBody = Type.Static<typeof EnrolmentTokenCreateBodySchema>

export const EnrolmentTokenRecordSchema = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  label: NullableString,
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: NullableTime,
  revokedAt: NullableTime,
  lastUsedAt: NullableTime,
})
export type EnrolmentTokenRecord = Type.Static<typeof EnrolmentTokenRecordSchema>

/**
 * The only time the token is shown: the server keeps its hash. `url` is
 * exactly the value for the device's `Ws.SetConfig` `server` field.
 */
export const EnrolmentTokenCreatedSchema = Type.Object({
  ...EnrolmentTokenRecordSchema.properties,
  token: Type.String(),
  url: Type.String(),
})
export type EnrolmentTokenCreated = Type.Static<typeof EnrolmentTokenCreatedSchema>

export const EnrolmentTokenListSchema = Type.Object({ items: Type.Array(EnrolmentTokenRecordSchema) })

/** `POST /api/devices/cloud-accounts`: a Shelly Cloud account whose real-time events feed the tenant. */
export const CloudAccountCreateBodySchema = Type.Object(
  {
    tenant: Type.Optional(TenantSchema),
    name: Type.String({ minLength: 1, maxLength: 128 }),
    /** Cloud server host (`shelly-103-eu.shelly.cloud`), or a full `ws(s)://` base URL (simulator, proxies). */
    host: Type.String({ minLength: 1, maxLength: 512 }),
    /** The OAuth access token for `?t=`; stored encrypted (AES-256-GCM), never returned. */
    accessToken: Type.String({ minLength: 1, maxLength: 8192 }),
    /** Connect now (default true). */
    autoReconnect: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type CloudAccountCreateBody = Type.Static<typeof CloudAccountCreateBodySchema>

export const CloudAccountRecordSchema = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  name: Type.String(),
  host: Type.String(),
  /** Its row in `websocket_connection` (type SHELLY): control it with `POST /api/websocket/:connectionId/:action`. */
  connectionId: Type.String(),
  status: Type.Union([Type.Literal('connected'), Type.Literal('disconnected'), Type.Literal('error'), Type.Literal('reconnecting')]),
  autoReconnect: Type.Boolean(),
  lastPingAt: NullableTime,
  errorMessage: NullableString,
  devices: Type.Integer({ minimum: 0 }),
  createdAt: Type.String({ format: 'date-time' }),
})
export type CloudAccountRecord = Type.Static<typeof CloudAccountRecordSchema>

export const CloudAccountListSchema = Type.Object({ items: Type.Array(CloudAccountRecordSchema) })

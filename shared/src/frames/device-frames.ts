import Type from 'typebox'
import { RequestIdSchema } from '../common.ts'

/**
 * Switching a smart plug over the socket (the same as `POST
 * /api/devices/:id/switch`), for roles allowed to control devices. Answered
 * by `device:switch:result` echoing `id`, or an `error` frame
 * (`NOT_FOUND`, `FORBIDDEN`, `DEVICE_OFFLINE`, `DEVICE_TIMEOUT`,
 * `DEVICE_ERROR`). The state change itself arrives as a `device-update` push.
 */
export const DeviceSwitchFrameSchema = Type.Object(
  {
    type: Type.Literal('device:switch'),
    id: Type.Optional(RequestIdSchema),
    deviceId: Type.String({ minLength: 1, maxLength: 64 }),
    on: Type.Boolean(),
    channel: Type.Optional(Type.Integer({ minimum: 0, maximum: 15 })),
  },
  { additionalProperties: false },
)

export const DEVICE_CLIENT_FRAME_SCHEMAS = {
  'device:switch': DeviceSwitchFrameSchema,
} as const

/** Reply to `device:switch`: the device accepted the command. */
export const DeviceSwitchResultFrameSchema = Type.Object({
  type: Type.Literal('device:switch:result'),
  id: Type.Optional(RequestIdSchema),
  deviceId: Type.String(),
  channel: Type.Integer(),
  on: Type.Boolean(),
  wasOn: Type.Union([Type.Boolean(), Type.Null()]),
})

export const DEVICE_SERVER_FRAME_SCHEMAS = {
  'device:switch:result': DeviceSwitchResultFrameSchema,
} as const

export type DeviceSwitchFrame = Type.Static<typeof DeviceSwitchFrameSchema>
export type DeviceSwitchResultFrame = Type.Static<typeof DeviceSwitchResultFrameSchema>

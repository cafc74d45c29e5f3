import Type from 'typebox'
import { Compile } from 'typebox/compile'
import { findForbiddenKey, jsonDepthExceeds } from '../../../realtime/frame-guards.ts'

/**
 * Shelly Cloud's real-time events socket (`wss://<host>:6113/shelly/wss/hk_sock?t=<token>`,
 * shelly-api-docs.shelly.cloud "Integrator API / Communication" and "Real Time Events").
 * A device is named by `deviceId`, or by `device: {id, code, gen}` in newer payloads.
 */
const DeviceRefSchema = Type.Object({
  id: Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Integer()]),
  code: Type.Optional(Type.String({ maxLength: 128 })),
  gen: Type.Optional(Type.Union([Type.String({ maxLength: 16 }), Type.Integer()])),
})
const DeviceIdSchema = Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Integer()])

const CloudEventSchema = Type.Object({
  event: Type.String({ maxLength: 64 }),
  deviceId: Type.Optional(DeviceIdSchema),
  device: Type.Optional(DeviceRefSchema),
  status: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  online: Type.Optional(Type.Union([Type.Integer(), Type.Boolean()])),
  trid: Type.Optional(Type.Integer()),
  data: Type.Optional(Type.Unknown()),
})
const check = Compile(CloudEventSchema)

export interface CloudDeviceRef {
  id: string
  code: string | undefined
  generation: number | undefined
}

export type CloudFrame =
  | { kind: 'status'; device: CloudDeviceRef; status: Record<string, unknown> }
  | { kind: 'online'; device: CloudDeviceRef; online: boolean }
  | { kind: 'command-response'; trid: number; ok: boolean; result: unknown }
  | { kind: 'other'; event: string }

export type CloudParse = { ok: true; frame: CloudFrame } | { ok: false; detail: string }

/** `"G2"`, `"2"` or `2` -> 2. */
function generationOf(gen: string | number | undefined): number | undefined {
  if (gen === undefined) return undefined
  const n = typeof gen === 'number' ? gen : Number.parseInt(gen.replace(/^G/i, ''), 10)
  return Number.isInteger(n) && n > 0 && n < 100 ? n : undefined
}

function deviceOf(e: Type.Static<typeof CloudEventSchema>): CloudDeviceRef | undefined {
  const id = e.device?.id ?? e.deviceId
  if (id === undefined) return undefined
  return { id: String(id), code: e.device?.code, generation: generationOf(e.device?.gen) }
}

export function parseCloudFrame(text: string, maxDepth: number): CloudParse {
  if (jsonDepthExceeds(text, maxDepth)) return { ok: false, detail: 'too deep' }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, detail: 'not JSON' }
  }
  if (!check.Check(value)) return { ok: false, detail: 'not a Shelly Cloud event' }
  if (findForbiddenKey(value) !== undefined) return { ok: false, detail: 'forbidden key' }
  const e = value as Type.Static<typeof CloudEventSchema>
  switch (e.event) {
    case 'Shelly:StatusOnChange': {
      const device = deviceOf(e)
      if (device === undefined || e.status === undefined) return { ok: false, detail: 'StatusOnChange without device or status' }
      return { ok: true, frame: { kind: 'status', device, status: e.status } }
    }
    case 'Shelly:Online': {
      const device = deviceOf(e)
      if (device === undefined || e.online === undefined) return { ok: false, detail: 'Online without device or online' }
      return { ok: true, frame: { kind: 'online', device, online: e.online === 1 || e.online === true } }
    }
    case 'Shelly:CommandResponse': {
      if (e.trid === undefined) return { ok: false, detail: 'CommandResponse without trid' }
      const data = (typeof e.data === 'object' && e.data !== null ? e.data : {}) as { isOK?: unknown; res?: unknown }
      return { ok: true, frame: { kind: 'command-response', trid: e.trid, ok: data.isOK === true, result: data.res } }
    }
    default:
      return { ok: true, frame: { kind: 'other', event: e.event } }
  }
}

/** `Shelly:CommandRequest` for a relay (`cmd: "relay"`, `turn: on|off`). */
export function relayCommand(trid: number, deviceId: string, channel: number, on: boolean): string {
  return JSON.stringify({ event: 'Shelly:CommandRequest', trid, deviceId, data: { cmd: 'relay', params: { id: channel, turn: on ? 'on' : 'off' } } })
}

/** The socket URL of an account: a full ws(s):// base is used as is (simulator, proxies), a host gets Shelly's. */
export function cloudSocketUrl(host: string, token: string): string {
  const base = /^wss?:\/\//i.test(host) ? host.replace(/\/+$/, '') : `wss://${host}:6113/shelly/wss/hk_sock`
  return `${base}${base.includes('?') ? '&' : '?'}t=${encodeURIComponent(token)}`
}

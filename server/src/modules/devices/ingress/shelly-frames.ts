import Type from 'typebox'
import { Compile } from 'typebox/compile'
import { findForbiddenKey, jsonDepthExceeds } from '../../../realtime/frame-guards.ts'
import { componentsOf, type Status } from '../state/status-merge.ts'

/**
 * The frames a Shelly Gen2+ device sends over its outbound WebSocket
 * (shelly-api-docs.shelly.cloud: "RPC Protocol", "Notifications"). They are
 * the device's protocol, not Switchboard's, so their schemas live here and
 * not in shared/.
 */

/** A device's `src`: `<model>-<mac>` such as `shellyplusplugs-aabbccddeeff`. */
export const ShellySrcSchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' })

const ComponentValue = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])

/** `NotifyFullStatus` / `NotifyStatus` params: the device's `ts` plus one object per component (`null` removes). */
export const StatusParamsSchema = Type.Object({ ts: Type.Optional(Type.Number()) }, { additionalProperties: ComponentValue, maxProperties: 256 })

export const NotificationSchema = Type.Object({
  src: ShellySrcSchema,
  dst: Type.Optional(Type.String({ maxLength: 128 })),
  method: Type.String({ minLength: 1, maxLength: 64 }),
  params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  jsonrpc: Type.Optional(Type.Literal('2.0')),
})

export const NotifyEventParamsSchema = Type.Object({
  ts: Type.Optional(Type.Number()),
  events: Type.Array(
    Type.Object({
      component: Type.String({ maxLength: 64 }),
      id: Type.Optional(Type.Integer()),
      event: Type.String({ maxLength: 64 }),
      ts: Type.Optional(Type.Number()),
    }),
    { maxItems: 64 },
  ),
})

export const RpcErrorSchema = Type.Object({ code: Type.Integer(), message: Type.String({ maxLength: 1024 }) })

/** The answer to a request we sent: `result` or `error`, echoing our `id`. */
export const ResponseSchema = Type.Object({
  id: Type.Union([Type.Integer(), Type.String({ maxLength: 64 })]),
  src: Type.Optional(ShellySrcSchema),
  dst: Type.Optional(Type.String({ maxLength: 128 })),
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(RpcErrorSchema),
})

const notification = Compile(NotificationSchema)
const statusParams = Compile(StatusParamsSchema)
const eventParams = Compile(NotifyEventParamsSchema)
const response = Compile(ResponseSchema)

export type ShellyEvent = Type.Static<typeof NotifyEventParamsSchema>['events'][number]
export type RpcError = Type.Static<typeof RpcErrorSchema>

export type DeviceFrame =
  | { kind: 'status'; src: string; full: boolean; components: Status }
  | { kind: 'event'; src: string; events: ShellyEvent[] }
  /** A notification we do not use (NotifyWakeup...): accepted, counted, ignored. */
  | { kind: 'other'; src: string; method: string }
  | { kind: 'response'; id: number | string; result: unknown; error: RpcError | undefined }

/** Why a frame was refused: the label of `switchboard_device_frames_rejected_total`. */
export type MalformedReason = 'binary' | 'too_deep' | 'json' | 'forbidden_key' | 'shape'

export type ParseResult = { ok: true; frame: DeviceFrame } | { ok: false; reason: MalformedReason; detail: string }

const bad = (reason: MalformedReason, detail: string): ParseResult => ({ ok: false, reason, detail })

/** Text -> one typed frame, or why not. Never throws. */
export function parseDeviceFrame(text: string, maxDepth: number): ParseResult {
  if (jsonDepthExceeds(text, maxDepth)) return bad('too_deep', `nests deeper than ${maxDepth}`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return bad('json', 'not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('shape', 'not a JSON object')
  const forbidden = findForbiddenKey(value)
  if (forbidden !== undefined) return bad('forbidden_key', `key "${forbidden}"`)
  const v = value as Record<string, unknown>

  if ('method' in v) {
    if (!notification.Check(v)) return bad('shape', 'not a JSON-RPC notification')
    const n = v as Type.Static<typeof NotificationSchema>
    const params = n.params ?? {}
    switch (n.method) {
      case 'NotifyFullStatus':
      case 'NotifyStatus':
        if (!statusParams.Check(params)) return bad('shape', `${n.method} params are not components`)
        return { ok: true, frame: { kind: 'status', src: n.src, full: n.method === 'NotifyFullStatus', components: componentsOf(params) } }
      case 'NotifyEvent':
        if (!eventParams.Check(params)) return bad('shape', 'NotifyEvent params have no events[]')
        return { ok: true, frame: { kind: 'event', src: n.src, events: (params as Type.Static<typeof NotifyEventParamsSchema>).events } }
      default:
        return { ok: true, frame: { kind: 'other', src: n.src, method: n.method } }
    }
  }
  if ('id' in v && ('result' in v || 'error' in v)) {
    if (!response.Check(v)) return bad('shape', 'not a JSON-RPC response')
    const r = v as Type.Static<typeof ResponseSchema>
    return { ok: true, frame: { kind: 'response', id: r.id, result: r.result, error: r.error } }
  }
  return bad('shape', 'neither a notification nor a response')
}

/** A request frame for the device; `src` names us so the device knows where to answer. */
export function requestFrame(id: number, method: string, params: Record<string, unknown> | undefined): string {
  return JSON.stringify({ jsonrpc: '2.0', id, src: 'switchboard', method, ...(params === undefined ? {} : { params }) })
}

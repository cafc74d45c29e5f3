import type { DeviceSnapshot } from '../modules/devices/state/device.ts'
import type { HubEvent } from '../realtime/event.ts'
import { CLUSTER_MESSAGE_KINDS, type ClusterMessage, UPSTREAM_ACTIONS } from './cluster-message.ts'

/**
 * The text form of cluster messages on Redis. Plain JSON, except events
 * stamped by the history script, which prefixes the position it assigned:
 * `S<offset>|<epoch>|<json>` (the script cannot edit JSON, it can prepend).
 */
export function encodeClusterMessage(message: ClusterMessage): string {
  return JSON.stringify(message)
}

/** The JSON the history script stores and stamps: the event without its position. */
export function encodeUnstamped(message: ClusterMessage): string {
  if (message.kind !== 'event') return JSON.stringify(message)
  const { offset: _o, epoch: _e, ...event } = message.event
  return JSON.stringify({ ...message, event })
}

/**
 * Parses what arrives from Redis; null for anything malformed (logged by the
 * caller, never thrown: a bad message must not stop the subscriber).
 */
export function decodeClusterMessage(text: string): ClusterMessage | null {
  let offset: number | undefined
  let epoch: string | undefined
  let json = text
  if (text.charCodeAt(0) === 83 /* S */) {
    const bar1 = text.indexOf('|')
    const bar2 = text.indexOf('|', bar1 + 1)
    if (bar1 < 0 || bar2 < 0) return null
    offset = Number(text.slice(1, bar1))
    epoch = text.slice(bar1 + 1, bar2)
    json = text.slice(bar2 + 1)
    if (!Number.isSafeInteger(offset) || epoch.length === 0) return null
  }
  let message: ClusterMessage
  try {
    message = JSON.parse(json) as ClusterMessage
  } catch {
    return null
  }
  if (typeof message !== 'object' || message === null || !CLUSTER_MESSAGE_KINDS.has(message.kind) || typeof message.origin !== 'string') return null
  if (message.kind === 'event') {
    if (!isEvent(message.event)) return null
    if (offset !== undefined) {
      message.event.offset = offset
      message.event.epoch = epoch
    }
  } else if (message.kind === 'upstream-action') {
    if (typeof message.connectionId !== 'string' || !UPSTREAM_ACTIONS.has(message.action)) return null
  } else if (message.kind === 'device-settings') {
    const d = message.device as Partial<DeviceSnapshot> | null
    if (typeof d !== 'object' || d === null || typeof d.id !== 'string' || typeof d.tenant !== 'string' || typeof d.approval !== 'string' || typeof d.name !== 'string') return null
  } else if (message.kind === 'device-session') {
    if (typeof message.deviceId !== 'string') return null
  } else if (message.kind === 'device-state') {
    if (typeof message.deviceId !== 'string' || typeof message.online !== 'boolean' || typeof message.readings !== 'object' || message.readings === null) return null
  } else if (message.kind === 'enrolment-revoked') {
    if (typeof message.tokenId !== 'string') return null
  } else if (message.kind === 'device-command') {
    if (typeof message.requestId !== 'string' || typeof message.deviceId !== 'string' || !Number.isInteger(message.channel) || typeof message.on !== 'boolean') return null
  } else if (message.kind === 'device-command-result') {
    const r = message.result as { ok?: unknown } | null
    if (typeof message.requestId !== 'string' || typeof message.to !== 'string' || (r !== null && (typeof r !== 'object' || typeof r.ok !== 'boolean'))) return null
  } else if (typeof message.selector !== 'object' || message.selector === null || typeof message.code !== 'number') return null
  return message
}

function isEvent(e: unknown): e is HubEvent {
  if (typeof e !== 'object' || e === null) return false
  const x = e as Partial<HubEvent>
  return typeof x.id === 'string' && typeof x.type === 'string' && typeof x.ts === 'string' && typeof x.target === 'object' && x.target !== null
}

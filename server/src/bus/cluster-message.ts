import type { SwitchResult } from '../modules/devices/commands/device-commands.ts'
import type { DeviceSnapshot } from '../modules/devices/state/device.ts'
import type { PlugReadings } from '../modules/devices/state/plug-readings.ts'
import type { HubEvent } from '../realtime/event.ts'

/**
 * Node-to-node messages. Not client protocol: they never reach a socket as is.
 * Each carries the sending instance's id (`origin`), for logs and for a
 * receiver that must tell its own messages from others'.
 */
export type DisconnectSelector =
  | { connectionId: string }
  | { tenant: string; user: string }
  | { tenant: string }

/** An event for the hubs of every instance (each delivers it to its own local recipients). */
export interface EventMessage {
  kind: 'event'
  origin: string
  event: HubEvent
}

/** Close the connections a selector names, wherever they live (operator stop, revocation, tenant disabled). */
export interface DisconnectMessage {
  kind: 'disconnect'
  origin: string
  selector: DisconnectSelector
  code: number
  reason: string
  /**
   * Also refuse the selector's tokens issued before `before` (epoch ms) until
   * `until`: every instance records it as the message arrives, so a client
   * cannot reconnect with the same token to an instance that has not heard.
   */
  revoke?: { before: number; until: number }
}

/**
 * An operator's start/stop/restart of an upstream connection (a Shelly Cloud
 * account), handled on an instance that does not run it: the instance that
 * does carries it out.
 */
export interface UpstreamActionMessage {
  kind: 'upstream-action'
  origin: string
  connectionId: string
  action: UpstreamAction
}

export type UpstreamAction = 'start' | 'stop' | 'restart'
export const UPSTREAM_ACTIONS: ReadonlySet<string> = new Set<UpstreamAction>(['start', 'stop', 'restart'])

/**
 * A device first seen, or an operator's change to its settings (approval,
 * name, assignment), on the sending instance: every other instance's copy of
 * the device registry follows (the instance serving the device applies an
 * approval or a rejection to its connection). Already saved by the sender.
 */
export interface DeviceSettingsMessage {
  kind: 'device-settings'
  origin: string
  device: DeviceSnapshot
}

/** A device named itself on a socket of the sending instance: an older socket of it elsewhere gives way (closed as replaced, no offline). */
export interface DeviceSessionMessage {
  kind: 'device-session'
  origin: string
  deviceId: string
}

/** An enrolment token was revoked on the sending instance: every instance forgets it and cuts the sockets it admitted. */
export interface EnrolmentRevokedMessage {
  kind: 'enrolment-revoked'
  origin: string
  tokenId: string
}

/** The live state of a device the sending instance serves: the other instances' copies show it too. */
export interface DeviceStateMessage {
  kind: 'device-state'
  origin: string
  deviceId: string
  online: boolean
  readings: PlugReadings
  lastSeenAt: string | null
}

/** A switch command for a device this instance does not serve: every other instance hears it, the one serving the device runs it. */
export interface DeviceCommandMessage {
  kind: 'device-command'
  origin: string
  requestId: string
  deviceId: string
  channel: number
  on: boolean
}

/** Every instance's answer to a `device-command`, for its origin (`to`): the outcome, or null where the device is not served. */
export interface DeviceCommandResultMessage {
  kind: 'device-command-result'
  origin: string
  to: string
  requestId: string
  result: SwitchResult | null
}

export type ClusterMessage =
  | EventMessage
  | DisconnectMessage
  | UpstreamActionMessage
  | DeviceSettingsMessage
  | DeviceSessionMessage
  | DeviceStateMessage
  | EnrolmentRevokedMessage
  | DeviceCommandMessage
  | DeviceCommandResultMessage

export const CLUSTER_MESSAGE_KINDS: ReadonlySet<ClusterMessage['kind']> = new Set([
  'event',
  'disconnect',
  'upstream-action',
  'device-settings',
  'device-session',
  'device-state',
  'enrolment-revoked',
  'device-command',
  'device-command-result',
])

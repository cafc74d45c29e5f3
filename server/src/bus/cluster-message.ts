import type { HubEvent } from '../realtime/event.ts'

/**
 * Node-to-node messages. Not client protocol: they never reach a socket as is.
 * Each carries the sending instance's id so a receiver can tell its own echo.
 */
export type DisconnectSelector =
  | { connectionId: string }
  | { tenant: string; user: string }
  | { tenant: string }

export type ClusterMessage =
  | { kind: 'event'; origin: string; event: HubEvent }
  | { kind: 'disconnect'; origin: string; selector: DisconnectSelector; code: number; reason: string }

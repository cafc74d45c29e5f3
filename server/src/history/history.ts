import type { StreamPosition } from '@switchboard/shared'
import type { HubEvent } from '../realtime/event.ts'

/** What a subscribe with `since` gets back. */
export type RecoverResult =
  | { recovered: true; events: HubEvent[]; position: StreamPosition }
  | { recovered: false; position: StreamPosition }

/**
 * Per-channel message history. `append` assigns the next offset within the
 * channel's epoch; a new epoch starts whenever the store lost its history.
 */
export interface HistoryStore {
  /** Assigns offset/epoch to the event and keeps it; returns the stamped event. */
  append(streamKey: string, event: HubEvent): Promise<HubEvent>
  /** Events strictly after `since`, in order, or `recovered:false` when the gap cannot be filled. */
  recover(streamKey: string, since: StreamPosition): Promise<RecoverResult>
  /** The channel's current position (offset of its last event). */
  position(streamKey: string): Promise<StreamPosition>
  close(): Promise<void>
}

/** Per-channel-pattern retention. */
export interface HistoryPolicy {
  size: number
  ttlMs: number
}

/** History is kept per tenant and channel: the key embeds both. */
export function streamKey(tenant: string, channel: string): string {
  return `${tenant}\0${channel}`
}

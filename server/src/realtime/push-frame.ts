import type { HubEvent } from './event.ts'
import { textFrame } from './frame-writer.ts'

/**
 * Builds the WebSocket frame of a push, once per event for all its local
 * recipients. Field order is fixed so clients and tests see a stable frame:
 * {type, id, ts, channel?, offset?, epoch?, data}.
 */
export function encodePush(event: HubEvent): Buffer {
  // one object literal of fixed shape: JSON.stringify leaves out the fields that
  // are undefined (no channel, no history), which spreading them in would cost a
  // slow property definition per event
  const frame = {
    type: event.type,
    id: event.id,
    ts: event.ts,
    channel: event.target.kind === 'channel' ? event.target.channel : undefined,
    offset: event.offset,
    epoch: event.offset === undefined ? undefined : event.epoch,
    data: event.data,
  }
  return textFrame(JSON.stringify(frame))
}

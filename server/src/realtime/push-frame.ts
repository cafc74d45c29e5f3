import type { HubEvent } from './event.ts'

/**
 * Builds the wire bytes of a push once per event. Field order is fixed so
 * clients and tests see a stable frame: {type, id, ts, channel?, offset?, epoch?, data}.
 */
export function encodePush(event: HubEvent): Buffer {
  const channel = event.target.kind === 'channel' ? event.target.channel : undefined
  const frame = {
    type: event.type,
    id: event.id,
    ts: event.ts,
    ...(channel === undefined ? {} : { channel }),
    ...(event.offset === undefined ? {} : { offset: event.offset, epoch: event.epoch }),
    data: event.data,
  }
  return Buffer.from(JSON.stringify(frame))
}

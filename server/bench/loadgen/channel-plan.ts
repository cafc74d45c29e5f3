/**
 * Which channels each client subscribes to, computed the same way by the
 * orchestrator, the client workers and the publisher so that no channel list
 * ever crosses IPC. Channel indexes: `[0, rooms)` are shared rooms, then (when
 * `personal`) one channel per client, then (when `slowEvery`) the `bulk`
 * channel that only the designated slow consumers join.
 */
export interface ChannelPlan {
  /** Shared channels; 1 means every client is on the single channel `bench`. */
  rooms: number
  /** Each client also subscribes to its own channel `u-<client index>`. */
  personal: boolean
  /** Number of clients (needed to size the personal range). */
  clients: number
  /** Client i is a designated slow consumer when i % slowEvery === 0; those also join `bulk`. */
  slowEvery?: number
}

export const singleChannel = (clients: number): ChannelPlan => ({ rooms: 1, personal: false, clients })

const bulkIndex = (plan: ChannelPlan) => plan.rooms + (plan.personal ? plan.clients : 0)

export function channelCount(plan: ChannelPlan): number {
  return bulkIndex(plan) + (plan.slowEvery ? 1 : 0)
}

export function channelName(plan: ChannelPlan, index: number): string {
  if (index < plan.rooms) return plan.rooms === 1 ? 'bench' : `room-${index}`
  if (plan.slowEvery && index === bulkIndex(plan)) return 'bulk'
  return `u-${index - plan.rooms}`
}

export const isSlow = (plan: ChannelPlan, i: number): boolean => plan.slowEvery !== undefined && i % plan.slowEvery === 0

/** Channel indexes client `i` subscribes to. */
export function channelsOfClient(plan: ChannelPlan, i: number): number[] {
  const list = [i % plan.rooms]
  if (plan.personal) list.push(plan.rooms + i)
  if (isSlow(plan, i)) list.push(bulkIndex(plan))
  return list
}

/** A contiguous range of channel indexes the publisher cycles through. */
export interface ChannelRange {
  from: number
  to: number
}

export const roomRange = (plan: ChannelPlan): ChannelRange => ({ from: 0, to: plan.rooms })
export const personalRange = (plan: ChannelPlan): ChannelRange => ({ from: plan.rooms, to: plan.rooms + plan.clients })
export const bulkRange = (plan: ChannelPlan): ChannelRange => ({ from: bulkIndex(plan), to: bulkIndex(plan) + 1 })

/** Number of designated slow consumers. */
export const slowCount = (plan: ChannelPlan): number => (plan.slowEvery ? Math.ceil(plan.clients / plan.slowEvery) : 0)

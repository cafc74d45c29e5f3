import { CLOSE_CODES, type ErrorCode, type Recovery, type StreamPosition, type SubscribeFrame } from '@switchboard/shared'
import { streamKey, type RecoverResult } from '../../history/history.ts'
import { MAX_PENDING, type Connection } from '../connection.ts'
import type { RealtimeContext } from '../context.ts'
import type { FrameHandler } from '../dispatch.ts'
import { encodePush } from '../push-frame.ts'
import type { Subscription } from '../subscriptions.ts'

/** Reported when the history store failed: no position can be trusted. */
const UNKNOWN_POSITION: StreamPosition = { offset: 0, epoch: 'unavailable' }

type Denied = { channel: string; code: ErrorCode; message: string }

export const subscribeHandler: FrameHandler<SubscribeFrame> = {
  requiresAuth: true,
  handle(ctx, c, frame) {
    const principal = c.principal!
    const filters = frame.filters === undefined ? undefined : compileFilters(frame.filters)
    const granted: string[] = []
    const denied: Denied[] = []
    const recovering: Array<{ channel: string; sub: Subscription }> = []

    const channels = frame.channels
    for (let i = 0; i < channels.length; i++) {
      const channel = channels[i]!
      if (channels.indexOf(channel) !== i) continue // a repeated channel counts once
      const code = ctx.channelAccess(principal, channel)
      if (code !== null) {
        denied.push({ channel, code, message: code === 'FORBIDDEN_CHANNEL' ? `"${channel}" needs an operator role` : `"${channel}" is not allowed` })
        continue
      }
      const existing = c.subscriptionState.get(channel)
      if (existing !== undefined) {
        existing.filters = filters
        granted.push(channel)
        continue
      }
      if (c.subscriptionState.size >= ctx.settings.maxSubscriptions) {
        denied.push({ channel, code: 'TOO_MANY_CHANNELS', message: `at most ${ctx.settings.maxSubscriptions} channels per connection` })
        continue
      }
      const keepsHistory = ctx.historyPolicy(channel) !== undefined
      const sub: Subscription = { channel, connection: c, filters, pending: keepsHistory ? [] : undefined }
      c.subscriptionState.set(sub)
      ctx.hub.subscribe(c, channel)
      granted.push(channel)
      if (keepsHistory) recovering.push({ channel, sub })
    }
    if (granted.length > 0) ctx.hub.notify('subscribed', c, granted)

    // In a cluster the bus must receive these channels before history is read and `subscribed`
    // is sent: an event published meanwhile is then either in the replay or arrives live.
    const settled = ctx.routingSettled()
    if (settled === undefined && recovering.length === 0) {
      // nothing to wait for: answered in this turn, with no promise made per subscribe
      c.send({ type: 'subscribed', id: frame.id, channels: granted, denied })
      return
    }
    return settle(ctx, c, frame, granted, denied, recovering, settled)
  },
}

/** The rest of a subscribe that waits: for the cluster's routing, for history, or both. */
async function settle(
  ctx: RealtimeContext,
  c: Connection,
  frame: SubscribeFrame,
  granted: string[],
  denied: Denied[],
  recovering: Array<{ channel: string; sub: Subscription }>,
  settled: Promise<void> | undefined,
): Promise<void> {
  const principal = c.principal!
  if (settled !== undefined) {
    await settled
    if (!c.isOpen) return
  }

  // Joined first, read history second: events published meanwhile wait in
  // `pending` and are de-duplicated by offset when flushed below.
  const results: RecoverResult[] = recovering.length === 0 ? [] : await Promise.all(
    recovering.map(async ({ channel }) => {
      const key = streamKey(principal.tenant, channel)
      const since = frame.since?.[channel]
      try {
        if (since !== undefined) return await ctx.history.recover(key, since)
        return { recovered: true, events: [], position: await ctx.history.position(key) } satisfies RecoverResult
      } catch (err) {
        ctx.log.warn({ err, channel, connectionId: c.id }, 'history unavailable during subscribe')
        return { recovered: false, position: UNKNOWN_POSITION } satisfies RecoverResult
      }
    }),
  )
  if (!c.isOpen) return

  const recovery: Recovery[] = recovering.map(({ channel }, i) => {
    const r = results[i]!
    return { channel, recovered: r.recovered, position: r.position, replayed: r.recovered ? r.events.length : 0 }
  })
  // fields left undefined are not serialised (cheaper than spreading optional ones in)
  c.send({ type: 'subscribed', id: frame.id, channels: granted, denied, recovery: recovery.length > 0 ? recovery : undefined })

  recovering.forEach(({ channel, sub }, i) => flushRecovery(c, channel, sub, results[i]!))
}

function flushRecovery(c: Connection, channel: string, sub: Subscription, result: RecoverResult): void {
  if (c.subscriptionState.get(channel) !== sub) return // unsubscribed meanwhile
  let last = result.position.offset
  if (result.recovered) {
    for (const event of result.events) {
      c.sendFrame(encodePush(event), true)
      if (event.offset !== undefined) last = event.offset
    }
  }
  const pending = sub.pending ?? []
  sub.pending = undefined
  if (pending.length > MAX_PENDING) {
    c.close(CLOSE_CODES.SLOW_CONSUMER, 'fell behind during recovery')
    return
  }
  for (const p of pending) {
    if (p.offset !== undefined && p.offset <= last) continue
    if (p.offset !== undefined) last = p.offset
    c.sendFrame(p.frame, true)
  }
  // from here on the hub sends this channel's events only past this position
  sub.last = { offset: last, epoch: result.position.epoch }
}

function compileFilters(filters: Record<string, Array<string | number | boolean>>): Map<string, ReadonlySet<unknown>> {
  return new Map(Object.entries(filters).map(([field, values]) => [field, new Set<unknown>(values)]))
}

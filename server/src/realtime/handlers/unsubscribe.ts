import type { UnsubscribeFrame } from '@switchboard/shared'
import type { FrameHandler } from '../dispatch.ts'

export const unsubscribeHandler: FrameHandler<UnsubscribeFrame> = {
  requiresAuth: true,
  handle(ctx, c, frame) {
    const removed = [...new Set(frame.channels)].filter((ch) => c.subscriptionState.has(ch))
    for (const ch of removed) ctx.hub.unsubscribe(c, ch)
    if (removed.length > 0) ctx.hub.notify('unsubscribed', c, removed)
    c.send({ type: 'unsubscribed', id: frame.id, channels: removed })
  },
}

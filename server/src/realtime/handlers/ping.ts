import type { PingFrame, PongFrame } from '@switchboard/shared'
import type { FrameHandler } from '../dispatch.ts'

/** A client's application-level ping; allowed before auth so clients can probe. */
export const pingHandler: FrameHandler<PingFrame> = {
  requiresAuth: false,
  handle(_ctx, c, frame) {
    c.send({ type: 'pong', id: frame.id, ts: Date.now() })
  },
}

/** The answer to the server's ping; the dispatcher already marked the connection alive. */
export const pongHandler: FrameHandler<PongFrame> = {
  requiresAuth: false,
  handle(_ctx, c) {
    c.lastPongAt = Date.now()
  },
}

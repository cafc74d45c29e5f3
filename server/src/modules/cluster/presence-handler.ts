import type { PresenceFrame, PresenceGetFrame } from '@switchboard/shared'
import type { PresenceStore } from '../../cluster/presence-store.ts'
import type { FrameHandler } from '../../realtime/dispatch.ts'

/**
 * `presence:get`: who is subscribed to a channel with presence (for anyone
 * allowed to subscribe to it), and how many connections users of the
 * asker's own tenant have anywhere in the cluster. Answered by `presence`.
 */
export function presenceHandler(store: PresenceStore, enabled: (channel: string) => boolean): FrameHandler<PresenceGetFrame> {
  return {
    requiresAuth: true,
    async handle(ctx, c, frame) {
      const p = c.principal!
      const reply: PresenceFrame = { type: 'presence', ...(frame.id === undefined ? {} : { id: frame.id }) }
      if (frame.channel !== undefined) {
        const denied = ctx.channelAccess(p, frame.channel)
        if (denied !== null) return void c.sendError(denied, undefined, frame.id)
        if (!enabled(frame.channel)) return void c.sendError('PRESENCE_DISABLED', `Presence is not enabled on "${frame.channel}"`, frame.id)
      }
      try {
        if (frame.channel !== undefined) {
          const presence = await store.channel(p.tenant, frame.channel)
          Object.assign(reply, { channel: frame.channel, connections: presence.connections, users: presence.users })
        }
        if (frame.users !== undefined) reply.online = await store.online(p.tenant, [...new Set(frame.users)])
      } catch (err) {
        const ref = c.sendError('UNAVAILABLE', 'Presence is unavailable right now; try again shortly', frame.id)
        ctx.log.warn({ err, ref, connectionId: c.id }, 'presence query failed')
        return
      }
      c.send(reply)
    },
  }
}

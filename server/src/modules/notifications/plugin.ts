import { NOTIFICATION_CLIENT_FRAME_SCHEMAS } from '@switchboard/shared'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config.ts'
import type { Dispatcher, FrameHandler } from '../../realtime/dispatch.ts'
import { NotificationRepository } from './notification.repository.ts'
import { NotificationService } from './notification.service.ts'
import { notificationRoutes } from './routes.ts'
import { notificationHandlers } from './socket-handlers.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Create, list and change notifications; every change is pushed to the owner's connections. */
    notifications: NotificationService
  }
}

/** Reference 004's notifications: REST fallback, socket operations, pushes to the owner. */
async function notificationsPlugin(app: FastifyInstance, opts: { config: Config }) {
  const service = new NotificationService({
    repo: new NotificationRepository(app.orm),
    publish: (input) => app.publisher.publish(input),
    cap: opts.config.MAX_NOTIFICATIONS_PER_USER,
    log: app.log.child({ room: 'notifications' }),
  })
  const handlers = notificationHandlers(service)
  for (const type of Object.keys(NOTIFICATION_CLIENT_FRAME_SCHEMAS) as Array<keyof typeof NOTIFICATION_CLIENT_FRAME_SCHEMAS>) {
    app.dispatcher.register(type, NOTIFICATION_CLIENT_FRAME_SCHEMAS[type], handlers[type] as FrameHandler<never>)
  }
  app.decorate('notifications', service)
  await app.register(notificationRoutes, { service })
}

/**
 * Without a database the notification frames still have a handler: a clear
 * UNAVAILABLE error (not UNKNOWN_TYPE), since they are part of the protocol.
 */
export function registerNotificationsUnavailable(dispatcher: Dispatcher): void {
  const unavailable: FrameHandler<{ id?: string }> = {
    requiresAuth: true,
    handle: (_ctx, c, frame) => void c.sendError('UNAVAILABLE', 'Notifications need the database (DATABASE_ENABLED=false)', frame.id),
  }
  for (const type of Object.keys(NOTIFICATION_CLIENT_FRAME_SCHEMAS) as Array<keyof typeof NOTIFICATION_CLIENT_FRAME_SCHEMAS>) {
    dispatcher.register(type, NOTIFICATION_CLIENT_FRAME_SCHEMAS[type], unavailable as FrameHandler<never>)
  }
}

export default fp(notificationsPlugin, {
  name: 'switchboard-notifications',
  fastify: '5.x',
  dependencies: ['switchboard-db', 'switchboard-realtime', 'switchboard-auth'],
})

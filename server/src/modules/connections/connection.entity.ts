import { defineEntity, p } from '@mikro-orm/core'

/** Reference 000's connection types; CLIENT is a socket of our own gateway. */
export const CONNECTION_TYPES = ['CLIENT', 'SHELLY', 'SOCKET_IO', 'CUSTOM', 'TEST'] as const
export type ConnectionType = (typeof CONNECTION_TYPES)[number]

export const CONNECTION_STATUSES = ['connected', 'disconnected', 'error', 'reconnecting'] as const
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number]

/**
 * `websocket_connection`: reference 000's WebSocketConnection, plus what a
 * client connection needs for the admin console (identity, origin, counters,
 * close code). For CLIENT rows `id` and `reference_id` are the gateway's
 * connection id, the one the client saw in `welcome`.
 */
export const WebsocketConnectionSchema = defineEntity({
  name: 'WebsocketConnection',
  tableName: 'websocket_connection',
  properties: {
    id: p.string().length(64).primary(),
    type: p.enum(CONNECTION_TYPES),
    referenceId: p.string().length(128),
    status: p.enum(CONNECTION_STATUSES),
    lastPingAt: p.datetime().nullable(),
    errorMessage: p.text().nullable(),
    metadata: p.json<Record<string, unknown>>().nullable(),
    autoReconnect: p.boolean().default(true),
    userId: p.string().length(128).nullable(),
    tenant: p.string().length(128).nullable(),
    roles: p.json<string[]>().nullable(),
    ip: p.string().length(64).nullable(),
    userAgent: p.string().length(512).nullable(),
    origin: p.string().length(512).nullable(),
    instanceId: p.string().length(128).nullable(),
    connectedAt: p.datetime().nullable(),
    authenticatedAt: p.datetime().nullable(),
    disconnectedAt: p.datetime().nullable(),
    closeCode: p.integer().nullable(),
    closeReason: p.string().length(256).nullable(),
    messagesIn: p.bigint('number').default(0),
    messagesOut: p.bigint('number').default(0),
    subscriptions: p.json<string[]>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  uniques: [{ name: 'websocket_connection_type_reference_id_unique', properties: ['type', 'referenceId'] }],
  indexes: [
    { name: 'websocket_connection_status_index', properties: ['status', 'createdAt'] },
    { name: 'websocket_connection_tenant_status_index', properties: ['tenant', 'status', 'createdAt'] },
    { name: 'websocket_connection_tenant_user_index', properties: ['tenant', 'userId'] },
    { name: 'websocket_connection_created_at_index', properties: ['createdAt'] },
  ],
})

export class WebsocketConnection extends WebsocketConnectionSchema.class {}
WebsocketConnectionSchema.setClass(WebsocketConnection)

import Type from 'typebox'
import { ChannelNameSchema, IdentifierSchema } from '../common.ts'

/** A live connection as the cluster registry holds it (whichever instance it is on). */
export const LiveConnectionSchema = Type.Object({
  id: Type.String(),
  instanceId: Type.String(),
  user: Type.Union([Type.String(), Type.Null()]),
  tenant: Type.Union([Type.String(), Type.Null()]),
  roles: Type.Array(Type.String()),
  ip: Type.String(),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  connectedAt: Type.String({ format: 'date-time' }),
  authenticatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  subscriptions: Type.Array(Type.String()),
})
export type LiveConnection = Type.Static<typeof LiveConnectionSchema>

/** `GET /api/cluster/connections`: live connections of every instance (admin; tenant admin: own tenant). */
export const LiveConnectionQuerySchema = Type.Object(
  {
    tenant: Type.Optional(IdentifierSchema),
    user: Type.Optional(IdentifierSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
)
export type LiveConnectionQuery = Type.Static<typeof LiveConnectionQuerySchema>

export const LiveConnectionListSchema = Type.Object({
  items: Type.Array(LiveConnectionSchema),
  /** Matching connections, of which `items` holds at most `limit`. */
  total: Type.Integer({ minimum: 0 }),
  instances: Type.Array(Type.String()),
})
export type LiveConnectionList = Type.Static<typeof LiveConnectionListSchema>

/** `POST /api/websocket/users/:tenant/:user/disconnect` */
export const UserDisconnectParamsSchema = Type.Object({ tenant: IdentifierSchema, user: IdentifierSchema })
/** `POST /api/websocket/tenants/:tenant/disconnect` */
export const TenantDisconnectParamsSchema = Type.Object({ tenant: IdentifierSchema })

export const DisconnectBodySchema = Type.Union([
  Type.Object(
    {
      reason: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
      /**
       * Also refuse every token of the user (tenant) issued before now, on every
       * instance, for REVOCATION_TTL_SECONDS: the client cannot come back with the
       * same token. Default true; false only closes the connections.
       */
      revokeTokens: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
])
export type DisconnectBody = Type.Static<typeof DisconnectBodySchema>

/**
 * Reference 000's response shape. Every matching connection of the cluster is
 * closed with 4005 REVOKED (terminal: the client does not reconnect by itself);
 * `connections` counts those the registry knew of when the order went out.
 */
export const DisconnectResponseSchema = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  data: Type.Object({
    tenant: Type.String(),
    user: Type.Optional(Type.String()),
    connections: Type.Integer({ minimum: 0 }),
    code: Type.Integer(),
    /** Tokens issued before this time are refused until `revokedUntil` (absent without revocation). */
    revokedBefore: Type.Optional(Type.String({ format: 'date-time' })),
    revokedUntil: Type.Optional(Type.String({ format: 'date-time' })),
  }),
})
export type DisconnectResponse = Type.Static<typeof DisconnectResponseSchema>

/** `GET /api/presence/:tenant/channels/:channel` */
export const ChannelPresenceParamsSchema = Type.Object({ tenant: IdentifierSchema, channel: ChannelNameSchema })
export const ChannelPresenceSchema = Type.Object({
  tenant: Type.String(),
  channel: Type.String(),
  connections: Type.Integer({ minimum: 0 }),
  users: Type.Array(Type.Object({ user: Type.String(), connections: Type.Integer({ minimum: 1 }) })),
})
export type ChannelPresenceResponse = Type.Static<typeof ChannelPresenceSchema>

/** `GET /api/presence/:tenant/users?users=a,b`: connections of each user, cluster-wide. */
export const UserPresenceParamsSchema = Type.Object({ tenant: IdentifierSchema })
export const UserPresenceQuerySchema = Type.Object(
  { users: Type.String({ minLength: 1, maxLength: 8192 }) },
  { additionalProperties: false },
)
export const UserPresenceSchema = Type.Object({
  tenant: Type.String(),
  online: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
})
export type UserPresenceResponse = Type.Static<typeof UserPresenceSchema>

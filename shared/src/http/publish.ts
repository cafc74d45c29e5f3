import Type from 'typebox'
import { ChannelNameSchema, IdentifierSchema } from '../common.ts'
import { EVENT_TYPE_PATTERN } from '../events/catalog.ts'

/**
 * `POST /api/publish`: no channel/user/role means the whole tenant. At most one
 * of channel, user and role narrows the target.
 */
export const PublishBodySchema = Type.Object(
  {
    type: Type.String({ pattern: EVENT_TYPE_PATTERN }),
    data: Type.Unknown(),
    tenant: IdentifierSchema,
    channel: Type.Optional(ChannelNameSchema),
    user: Type.Optional(IdentifierSchema),
    role: Type.Optional(IdentifierSchema),
  },
  { additionalProperties: false },
)
export type PublishBody = Type.Static<typeof PublishBodySchema>

export const PublishResponseSchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  ts: Type.String(),
  tenant: Type.String(),
  /** The resolved target, e.g. `channel:clinic-1/orders`, `tenant:clinic-1`. */
  target: Type.String(),
  offset: Type.Optional(Type.Integer()),
  epoch: Type.Optional(Type.String()),
})
export type PublishResponse = Type.Static<typeof PublishResponseSchema>

/** Events one `POST /api/publish/batch` may carry. */
export const PUBLISH_BATCH_MAX = 100

/**
 * `POST /api/publish/batch`: several events in one request, published in
 * order. All are checked first (roles, tenant, schema): one refused event
 * refuses the batch and nothing is sent.
 */
export const PublishBatchBodySchema = Type.Object(
  {
    events: Type.Array(PublishBodySchema, { minItems: 1, maxItems: PUBLISH_BATCH_MAX }),
  },
  { additionalProperties: false },
)
export type PublishBatchBody = Type.Static<typeof PublishBatchBodySchema>

/** One answer per event, in the order of the request. */
export const PublishBatchResponseSchema = Type.Object({
  events: Type.Array(PublishResponseSchema),
})
export type PublishBatchResponse = Type.Static<typeof PublishBatchResponseSchema>

/** Error body of every HTTP API: the same codes as the socket's error frames. */
export const HttpErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
})
export type HttpError = Type.Static<typeof HttpErrorSchema>

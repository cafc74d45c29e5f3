import Type from 'typebox'

/**
 * `GET /api/catalog`: every event type this server accepts, built in or
 * registered by the operator (EVENT_SCHEMAS_FILE), with the JSON Schema of its
 * `data`. What a publisher's form, a code generator or a client validates against.
 */
export const CatalogEntrySchema = Type.Object({
  type: Type.String(),
  /** false for operator-registered types. */
  builtIn: Type.Boolean(),
  /** JSON Schema of the event's `data`. */
  schema: Type.Unknown(),
})
export type CatalogEntry = Type.Static<typeof CatalogEntrySchema>

export const CatalogResponseSchema = Type.Object({
  types: Type.Array(CatalogEntrySchema),
})
export type CatalogResponse = Type.Static<typeof CatalogResponseSchema>

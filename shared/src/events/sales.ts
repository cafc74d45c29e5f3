import Type from 'typebox'

/** Shop events (reference 003): admins are told of each new sale. */
export const SaleCreatedSchema = Type.Object({
  saleId: Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Integer()]),
  total: Type.Number(),
  currency: Type.Optional(Type.String({ minLength: 3, maxLength: 3 })),
  status: Type.Optional(Type.String({ maxLength: 64 })),
  customerName: Type.Optional(Type.String({ maxLength: 256 })),
  source: Type.Optional(Type.Union([Type.Literal('sale'), Type.Literal('payment')])),
  createdAt: Type.Optional(Type.String()),
})

export const salesEvents = { SALE_CREATED: SaleCreatedSchema } as const

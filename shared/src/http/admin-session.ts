import Type from 'typebox'

/**
 * The admin console's session (`/api/admin/session`). An operator pastes a JWT
 * once; the server answers with an httpOnly SameSite=Strict cookie and, on
 * `GET`, a short-lived token the console keeps in memory only (for the
 * WebSocket and the REST APIs). No token ever reaches localStorage.
 */
export const AdminSessionLoginBodySchema = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 8192 }) },
  { additionalProperties: false },
)
export type AdminSessionLoginBody = Type.Static<typeof AdminSessionLoginBodySchema>

export const AdminPrincipalSchema = Type.Object({
  user: Type.String(),
  tenant: Type.String(),
  roles: Type.Array(Type.String()),
  /** Operator of the whole hub: every tenant. */
  isAdmin: Type.Boolean(),
  /** Administrator of `tenant` only. */
  isTenantAdmin: Type.Boolean(),
})
export type AdminPrincipal = Type.Static<typeof AdminPrincipalSchema>

/** `POST /api/admin/session` (200): the session was opened. */
export const AdminSessionOpenedSchema = Type.Object({
  principal: AdminPrincipalSchema,
  /** When the session ends unless renewed by a `GET` (ISO-8601). */
  expiresAt: Type.String(),
})
export type AdminSessionOpened = Type.Static<typeof AdminSessionOpenedSchema>

/** `GET /api/admin/session` (200): the session, renewed, plus a fresh short-lived token. */
export const AdminSessionSchema = Type.Object({
  principal: AdminPrincipalSchema,
  expiresAt: Type.String(),
  /** Bearer token for the REST APIs and the WebSocket `auth` frame; keep it in memory. */
  token: Type.String(),
  /** When `token` expires (ISO-8601); fetch a new one before then. */
  tokenExpiresAt: Type.String(),
  /** False on production servers: the broadcast test tools are hidden. */
  testToolsEnabled: Type.Boolean(),
})
export type AdminSession = Type.Static<typeof AdminSessionSchema>

import {
  AdminSessionLoginBodySchema,
  AdminSessionOpenedSchema,
  AdminSessionSchema,
  HttpErrorSchema,
  type AdminPrincipal,
  type AdminSession,
  type AdminSessionLoginBody,
  type AdminSessionOpened,
} from '@switchboard/shared'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../../config.ts'
import { HttpProblem } from '../../http-problem.ts'
import type {} from '../../plugins/auth.ts'
import { readCookie, seal, sessionKey, unseal, type SessionPayload } from './session-seal.ts'

export const SESSION_COOKIE = 'sb_admin_session'
/** The cookie is only ever sent to the session endpoints, never to the rest of the API. */
const COOKIE_PATH = '/api/admin'

export interface AdminSessionOptions {
  config: Config
  /** Idle lifetime: a session not renewed by a `GET` within this ends. Default 1 h. */
  idleMs?: number
  /** Absolute lifetime when the pasted token has no `exp`. Default 12 h. */
  maxMs?: number
  /** Lifetime of the in-memory token handed out by `GET`. Default 5 min. */
  tokenTtlMs?: number
  /** Clock, injectable for tests. */
  now?: () => number
}

/**
 * `POST|GET|DELETE /api/admin/session`: the admin console's login. Only `admin`
 * (every tenant) and tenant admins (their tenant) get a session. The session is
 * a sealed cookie, not a server-side table (see session-seal.ts).
 */
export async function adminSessionRoutes(app: FastifyInstance, opts: AdminSessionOptions): Promise<void> {
  const { config } = opts
  const idleMs = opts.idleMs ?? 60 * 60_000
  const maxMs = opts.maxMs ?? 12 * 60 * 60_000
  const tokenTtlMs = opts.tokenTtlMs ?? 5 * 60_000
  const now = opts.now ?? Date.now
  const key = sessionKey(config.JWT_SECRET)
  // With only a public key the server verifies but cannot sign: the console then uses the pasted token itself.
  const canSign = config.JWT_SECRET.length > 0 && (config.jwtAlgorithms[0] ?? '').startsWith('HS')

  const principalOf = (p: Pick<SessionPayload, 'sub' | 'tenant' | 'roles'>): AdminPrincipal => ({
    user: p.sub,
    tenant: p.tenant,
    roles: p.roles,
    isAdmin: p.roles.some((r) => config.adminRoles.has(r)),
    isTenantAdmin: p.roles.some((r) => config.tenantAdminRoles.has(r)),
  })

  const setCookie = (request: FastifyRequest, reply: FastifyReply, value: string, maxAgeMs: number) => {
    const secure = config.isProduction || request.protocol === 'https'
    const attributes = [
      `${SESSION_COOKIE}=${value}`,
      `Path=${COOKIE_PATH}`,
      `Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`,
      'HttpOnly',
      'SameSite=Strict',
      ...(secure ? ['Secure'] : []),
    ]
    reply.header('set-cookie', attributes.join('; '))
  }

  const audit = (request: FastifyRequest, action: string, p: Pick<SessionPayload, 'sub' | 'tenant'>) =>
    request.log.info(
      { audit: 'admin-session', action, user: p.sub, tenant: p.tenant, ip: request.ip, userAgent: request.headers['user-agent'] },
      `admin session ${action}`,
    )

  const errors = { 400: HttpErrorSchema, 401: HttpErrorSchema, 403: HttpErrorSchema }

  app.post<{ Body: AdminSessionLoginBody }>(
    '/api/admin/session',
    { schema: { body: AdminSessionLoginBodySchema, response: { 200: AdminSessionOpenedSchema, ...errors } } },
    async (request, reply): Promise<AdminSessionOpened> => {
      const verified = app.verifyToken(request.body.token)
      if (!verified.ok) throw new HttpProblem(401, verified.code, verified.message)
      const { principal } = verified
      if (!principal.isAdmin && !principal.isTenantAdmin) {
        throw new HttpProblem(403, 'FORBIDDEN', 'The admin console needs an admin or tenant-admin role')
      }
      const t = now()
      const cap = principal.expiresAt ?? t + maxMs
      if (cap - t < 10_000) throw new HttpProblem(401, 'TOKEN_EXPIRED', 'Token expires too soon to open a session')
      const payload: SessionPayload = {
        sub: principal.user,
        tenant: principal.tenant,
        roles: [...principal.roles],
        iat: t,
        exp: Math.min(t + idleMs, cap),
        cap,
        ...(canSign ? {} : { tok: request.body.token }),
      }
      setCookie(request, reply, seal(payload, key), payload.exp - t)
      reply.header('cache-control', 'no-store')
      audit(request, 'login', payload)
      return { principal: principalOf(payload), expiresAt: new Date(payload.exp).toISOString() }
    },
  )

  app.get('/api/admin/session', { schema: { response: { 200: AdminSessionSchema, ...errors } } }, async (request, reply): Promise<AdminSession> => {
    reply.header('cache-control', 'no-store')
    const value = readCookie(request.headers.cookie, SESSION_COOKIE)
    const session = value === undefined ? null : unseal(value, key)
    const t = now()
    if (session === null || session.exp <= t) {
      if (value !== undefined) setCookie(request, reply, '', 0)
      throw new HttpProblem(401, 'NOT_AUTHENTICATED', 'No admin session: sign in with a token')
    }
    const principal = principalOf(session)
    // Roles are re-read against the current configuration: a role removed from ADMIN_ROLES ends its sessions.
    if (!principal.isAdmin && !principal.isTenantAdmin) {
      setCookie(request, reply, '', 0)
      throw new HttpProblem(403, 'FORBIDDEN', 'The admin console needs an admin or tenant-admin role')
    }
    const renewed: SessionPayload = { ...session, exp: Math.min(t + idleMs, session.cap) }
    setCookie(request, reply, seal(renewed, key), renewed.exp - t)

    let token: string
    let tokenExpiresAt: number
    if (canSign) {
      tokenExpiresAt = Math.min(t + tokenTtlMs, renewed.exp)
      const seconds = Math.max(1, Math.floor((tokenExpiresAt - t) / 1000))
      token = app.signToken({ sub: session.sub, tenant: session.tenant, roles: session.roles, src: 'admin-session' }, `${seconds}s`)
      tokenExpiresAt = t + seconds * 1000
    } else {
      token = session.tok ?? ''
      tokenExpiresAt = session.cap
    }
    return {
      principal,
      expiresAt: new Date(renewed.exp).toISOString(),
      token,
      tokenExpiresAt: new Date(tokenExpiresAt).toISOString(),
      testToolsEnabled: !config.isProduction,
    }
  })

  app.delete('/api/admin/session', async (request, reply) => {
    const value = readCookie(request.headers.cookie, SESSION_COOKIE)
    const session = value === undefined ? null : unseal(value, key)
    if (session !== null) audit(request, 'logout', session)
    setCookie(request, reply, '', 0)
    return reply.code(204).send()
  })
}

import fastifyJwt from '@fastify/jwt'
import { createVerifier } from 'fast-jwt'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { HttpProblem } from '../http-problem.ts'
import { InternTable, StringTable } from '../intern.ts'
import { hmacVerifier, type JwtVerdict } from '../jwt/hmac-verifier.ts'
import { timeClaimsProblem } from '../jwt/time-claims.ts'
import { isReservedTenant } from '../realtime/rooms.ts'

/**
 * Who a token says the caller is, after claim normalisation:
 * `sub` -> user; `tenant` or `systemId` (reference 000) -> tenant;
 * `roles` (array) or `role` (reference 002, single) -> roles.
 */
export interface Principal {
  user: string
  tenant: string
  /** Shared between principals with the same roles: never mutate (frozen). */
  roles: readonly string[]
  /** Operator of the whole hub: every tenant, cross-tenant publish, system channels. */
  isAdmin: boolean
  /** Administrator of its own tenant only. */
  isTenantAdmin: boolean
  /** A backend allowed to publish within its tenant. */
  isService: boolean
  /** Token expiry in epoch ms, or null when the token has no `exp`. */
  expiresAt: number | null
  /** Token issue time (`iat`) in epoch ms, or null when the token has none (revocations compare it). */
  issuedAt?: number | null
}

export type VerifyResult = { ok: true; principal: Principal } | { ok: false; code: 'AUTH_FAILED' | 'TOKEN_EXPIRED'; message: string }

declare module 'fastify' {
  interface FastifyInstance {
    /** Verifies a JWT and normalises its claims; never throws. */
    verifyToken(token: string): VerifyResult
    /** Signs a token (development tools and tests). */
    signToken(claims: TokenClaims, expiresIn?: string | number): string
    /** preHandler: requires `Authorization: Bearer <jwt>`; sets `request.principal`. */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

export interface TokenClaims {
  sub: string
  tenant?: string
  systemId?: string
  roles?: string[]
  role?: string
  [claim: string]: unknown
}

const ID_MAX = 128
const asId = (v: unknown): string | undefined =>
  (typeof v === 'string' && v.length > 0 && v.length <= ID_MAX) || typeof v === 'number' ? String(v) : undefined

/**
 * Tenants and role lists repeat across thousands of connections: a principal
 * holds one shared copy of each (a few hundred bytes per idle connection).
 */
const tenants = new StringTable(10_000, ID_MAX)
/** Checked role lists by their JSON (keys need no length bound: at most 32 roles of at most 64 characters). */
const roleLists = new InternTable<readonly string[]>(10_000, Infinity)

export function principalFromClaims(claims: Record<string, unknown>, config: Config): Principal | null {
  const user = asId(claims.sub)
  const claimed = asId(claims.tenant) ?? asId(claims.systemId)
  if (user === undefined || claimed === undefined) return null
  const tenant = tenants.of(claimed)
  const roles = rolesOf(Array.isArray(claims.roles) ? claims.roles : typeof claims.role === 'string' ? [claims.role] : [])
  return {
    user,
    tenant,
    roles,
    isAdmin: hasAny(roles, config.adminRoles),
    isTenantAdmin: hasAny(roles, config.tenantAdminRoles),
    isService: hasAny(roles, config.serviceRoles),
    expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : null,
    issuedAt: typeof claims.iat === 'number' ? claims.iat * 1000 : null,
  }
}

/** Distinct non-empty role names of at most 64 characters, the first 32; one shared frozen list per distinct result. */
function rolesOf(raw: unknown[]): readonly string[] {
  // A claim that is already a checked list (the usual case) finds it by its own
  // JSON, with no filtering or copying: only a list that passes the checks
  // unchanged has the JSON of a kept one. JSON, not a join: a role may hold
  // any character, a separator too.
  if (raw.length <= 32 && raw.every((r) => typeof r === 'string')) {
    const known = roleLists.lookup(JSON.stringify(raw))
    if (known !== undefined) return known
  }
  const valid = [...new Set(raw.filter((r): r is string => typeof r === 'string' && r.length > 0 && r.length <= 64))].slice(0, 32)
  return roleLists.intern(JSON.stringify(valid), Object.freeze(valid))
}

function hasAny(roles: readonly string[], set: ReadonlySet<string>): boolean {
  for (let i = 0; i < roles.length; i++) if (set.has(roles[i]!)) return true
  return false
}

export interface AuthPluginOptions {
  config: Config
  /** Revoked tokens (user or tenant disconnected with revocation): refused although their signature is valid. */
  revocations?: { isRevoked(p: Principal): boolean } | undefined
}

async function authPlugin(app: import('fastify').FastifyInstance, opts: AuthPluginOptions) {
  const { config } = opts
  const algorithms = config.jwtAlgorithms as ('HS256' | 'RS256')[]
  const symmetric = algorithms.every((a) => a.startsWith('HS'))
  const verify = {
    algorithms,
    // fast-jwt's clockTolerance is in milliseconds
    clockTolerance: config.JWT_LEEWAY_SECONDS * 1000,
    // fast-jwt's cache keys entries by a SHA-256 of the token, which costs about
    // what an HMAC verification does, and keeps an entry per live token: worth
    // it only where verification is expensive (RSA/ECDSA), and bounded there.
    cache: symmetric ? false : 10_000,
    ...(config.JWT_ISSUER ? { allowedIss: config.JWT_ISSUER } : {}),
    ...(config.JWT_AUDIENCE ? { allowedAud: config.JWT_AUDIENCE } : {}),
    // fast-jwt skips a configured claim the token lacks: JWT_ISSUER and JWT_AUDIENCE require it
    requiredClaims: [...(config.JWT_ISSUER ? ['iss'] : []), ...(config.JWT_AUDIENCE ? ['aud'] : [])],
  }
  const secret = config.JWT_PUBLIC_KEY ? { public: config.JWT_PUBLIC_KEY } : config.JWT_SECRET
  await app.register(fastifyJwt, { secret, verify, sign: { algorithm: algorithms[0] } })
  // Verification skips @fastify/jwt (its `verify` copies and merges option objects
  // on every call): HMAC tokens go through the lean verifier of jwt/, others through fast-jwt.
  const verifyJwt = symmetric
    ? hmacVerifier({ secret: config.JWT_SECRET, algorithms, leewayMs: verify.clockTolerance, issuer: config.JWT_ISSUER || undefined, audience: config.JWT_AUDIENCE || undefined })
    : fastJwtVerdict(createVerifier({ key: config.JWT_PUBLIC_KEY, ...verify }))

  app.decorateRequest('principal', null)

  app.decorate('verifyToken', (token: string): VerifyResult => {
    const verdict = verifyJwt(token)
    if (!verdict.ok) {
      if (verdict.expired) return { ok: false, code: 'TOKEN_EXPIRED', message: 'Token has expired' }
      return { ok: false, code: 'AUTH_FAILED', message: 'Token is invalid' }
    }
    const badTime = timeClaimsProblem(verdict.claims, Date.now(), verify.clockTolerance)
    if (badTime !== undefined) return { ok: false, code: 'AUTH_FAILED', message: badTime }
    const principal = principalFromClaims(verdict.claims, config)
    if (principal === null) return { ok: false, code: 'AUTH_FAILED', message: 'Token lacks a user (sub) or tenant claim' }
    // `*` is the rooms' marker for every tenant: a principal of it would receive every tenant's system-channel events
    if (isReservedTenant(principal.tenant)) return { ok: false, code: 'AUTH_FAILED', message: `Token names the reserved tenant "${principal.tenant}"` }
    if (opts.revocations?.isRevoked(principal)) return { ok: false, code: 'AUTH_FAILED', message: 'Token was revoked' }
    return { ok: true, principal }
  })

  app.decorate('signToken', (claims: TokenClaims, expiresIn: string | number = '1h') =>
    app.jwt.sign(claims, { expiresIn }),
  )

  const bearerTokens = new VerifiedTokens(BEARER_CACHE_SIZE, config.JWT_LEEWAY_SECONDS * 1000)
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const header = request.headers.authorization
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null
    if (!match?.[1]) throw new HttpProblem(401, 'NOT_AUTHENTICATED', 'Authorization: Bearer <token> required')
    const token = match[1]
    const known = bearerTokens.get(token, Date.now())
    if (known !== undefined && !opts.revocations?.isRevoked(known)) {
      request.principal = known
      return
    }
    const result = app.verifyToken(token)
    if (!result.ok) throw new HttpProblem(401, result.code, result.message)
    bearerTokens.set(token, result.principal)
    request.principal = result.principal
  })
}

/** fast-jwt's throwing verifier, answering as the HMAC verifier does. */
function fastJwtVerdict(verify: (token: string) => unknown): (token: string) => JwtVerdict {
  return (token) => {
    try {
      return { ok: true, claims: verify(token) as Record<string, unknown> }
    } catch (err) {
      const code = (err as { code?: string }).code
      return { ok: false, expired: code === 'FAST_JWT_EXPIRED', reason: code ?? 'invalid' }
    }
  }
}

/** Distinct bearer tokens remembered: backends publishing over HTTP each reuse one. */
const BEARER_CACHE_SIZE = 256

/**
 * Backends call the HTTP API (`POST /api/publish`...) with one long-lived
 * token, request after request: verifying its signature each time was the
 * largest single cost of a publish. This remembers tokens that verified, keyed
 * by the token string itself (an exact match: nothing is hashed, a token that
 * differs in one character is verified afresh), until the token expires (with
 * the same leeway as verification). Revocation is still checked on every use.
 * WebSocket tokens are verified once per connection and do not come here.
 */
export class VerifiedTokens {
  readonly #entries = new Map<string, Principal>()
  readonly #max: number
  readonly #leewayMs: number

  constructor(max: number, leewayMs: number) {
    this.#max = max
    this.#leewayMs = leewayMs
  }

  get(token: string, now: number): Principal | undefined {
    const p = this.#entries.get(token)
    if (p === undefined) return undefined
    if (p.expiresAt !== null && now > p.expiresAt + this.#leewayMs) {
      this.#entries.delete(token)
      return undefined
    }
    return p
  }

  set(token: string, principal: Principal): void {
    // oldest first out: Map keeps insertion order
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!)
    this.#entries.set(token, principal)
  }

  get size(): number {
    return this.#entries.size
  }
}

export default fp(authPlugin, { name: 'switchboard-auth', fastify: '5.x' })

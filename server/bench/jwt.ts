import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Minimal HS256 JWT for the bench: the load generator signs one token per client
 * and the raw `ws` / Socket.IO contenders verify it, so that every contender pays
 * for authentication the way Switchboard does (which verifies with @fastify/jwt).
 */
export interface BenchClaims {
  sub: string
  tenant: string
  roles: string[]
  iat?: number
  exp?: number
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))

function base64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url')
}

export function signJwt(claims: BenchClaims, secret: string, ttlSeconds = 3600): string {
  const now = Math.floor(Date.now() / 1000)
  const body = base64url(JSON.stringify({ iat: now, exp: now + ttlSeconds, ...claims }))
  const signature = createHmac('sha256', secret).update(`${HEADER}.${body}`).digest('base64url')
  return `${HEADER}.${body}.${signature}`
}

/** Returns the claims of a valid, unexpired HS256 token, or undefined. */
export function verifyJwt(token: string, secret: string): BenchClaims | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [header, body, signature] = parts as [string, string, string]
  let alg: unknown
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: unknown }).alg
  } catch {
    return undefined
  }
  if (alg !== 'HS256') return undefined
  const expected = createHmac('sha256', secret).update(`${header}.${body}`).digest()
  const given = Buffer.from(signature, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  let claims: BenchClaims & { exp?: number }
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as BenchClaims
  } catch {
    return undefined
  }
  if (typeof claims.sub !== 'string' || typeof claims.tenant !== 'string' || !Array.isArray(claims.roles)) return undefined
  if (claims.exp !== undefined && claims.exp < Date.now() / 1000) return undefined
  return claims
}

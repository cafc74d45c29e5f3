import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto'

/**
 * Verifies HS256/384/512 JSON Web Tokens (RFC 7515 compact JWS, RFC 7519
 * claims) for the one configuration this server has: a secret, pinned
 * algorithms, optional issuer and audience, a clock leeway.
 *
 * Why not fast-jwt here: every connection and every new API token is verified
 * once, and fast-jwt's general machinery (option validators per claim, arrays
 * per value, error objects) cost about three times the HMAC itself on this
 * path (BENCHMARKS.md, S4). RSA/ECDSA tokens still go through fast-jwt.
 * `hmac-verifier.test.ts` checks this verifier against fast-jwt's verdicts.
 *
 * Refused, as fast-jwt refuses them: anything but three base64url segments;
 * a header that is not a JSON object, has an `alg` outside the pinned list or
 * carries `crit` (no extension is understood); a bad signature (compared in
 * constant time); a payload that is not a JSON object; `exp`/`nbf`/`iat` that
 * are not numbers; `exp` past or `nbf` ahead beyond the leeway; `iss`/`aud`
 * other than the configured ones when configured.
 */
export interface HmacVerifierOptions {
  secret: string
  algorithms: readonly string[]
  leewayMs: number
  issuer?: string | undefined
  audience?: string | undefined
}

export type JwtVerdict =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; expired: boolean; reason: string }

const HASHES: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }
const SEGMENT = /^[A-Za-z0-9_-]+$/
/** Longer than any sane token; bounds the work a hostile one can ask for. */
const MAX_TOKEN_LENGTH = 16_384

const refuse = (reason: string, expired = false): JwtVerdict => ({ ok: false, expired, reason })

export function hmacVerifier(opts: HmacVerifierOptions): (token: string) => JwtVerdict {
  for (const alg of opts.algorithms) if (HASHES[alg] === undefined) throw new Error(`not an HMAC algorithm: ${alg}`)
  if (opts.secret.length === 0) throw new Error('an HMAC secret is required')
  const key: KeyObject = createSecretKey(Buffer.from(opts.secret, 'utf8'))
  const allowed = new Set(opts.algorithms)
  // An issuer's tokens share one header segment, byte for byte: its verdict is kept
  // (a pure function of the segment; bounded, only headers that passed).
  const headers = new Map<string, string>()

  function algorithmOf(segment: string): string | JwtVerdict {
    const known = headers.get(segment)
    if (known !== undefined) return known
    const header = parseObject(segment)
    if (header === undefined) return refuse('malformed header')
    const alg = header.alg
    if (typeof alg !== 'string' || !allowed.has(alg)) return refuse('algorithm not allowed')
    if (header.crit !== undefined) return refuse('unsupported critical header')
    if (headers.size < 64) headers.set(segment, alg)
    return alg
  }

  return (token) => {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return refuse('malformed token')
    const dot1 = token.indexOf('.')
    const dot2 = token.indexOf('.', dot1 + 1)
    if (dot1 <= 0 || dot2 <= dot1 + 1 || token.indexOf('.', dot2 + 1) !== -1 || dot2 === token.length - 1) return refuse('malformed token')
    const headerPart = token.slice(0, dot1)
    const payloadPart = token.slice(dot1 + 1, dot2)
    const signaturePart = token.slice(dot2 + 1)
    if (!SEGMENT.test(headerPart) || !SEGMENT.test(payloadPart) || !SEGMENT.test(signaturePart)) return refuse('malformed token')

    const alg = algorithmOf(headerPart)
    if (typeof alg !== 'string') return alg

    const expected = createHmac(HASHES[alg]!, key).update(token.slice(0, dot2)).digest()
    const given = Buffer.from(signaturePart, 'base64url')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refuse('bad signature')

    const claims = parseObject(payloadPart)
    if (claims === undefined) return refuse('malformed payload')
    const badTime = notNumber(claims, 'exp') ?? notNumber(claims, 'nbf') ?? notNumber(claims, 'iat')
    if (badTime !== undefined) return refuse(`${badTime} must be a number`)
    const now = Date.now()
    if (typeof claims.exp === 'number' && now > claims.exp * 1000 + opts.leewayMs) return refuse('expired', true)
    if (typeof claims.nbf === 'number' && now < claims.nbf * 1000 - opts.leewayMs) return refuse('not active yet')
    if (opts.issuer !== undefined && claims.iss !== opts.issuer) return refuse('issuer not allowed')
    if (opts.audience !== undefined) {
      const aud = claims.aud
      if (!(aud === opts.audience || (Array.isArray(aud) && aud.includes(opts.audience)))) return refuse('audience not allowed')
    }
    return { ok: true, claims }
  }
}

/** `claim` when the claims hold it as something other than a number (a time claim must be one). */
function notNumber(claims: Record<string, unknown>, claim: string): string | undefined {
  const value = claims[claim]
  return value !== undefined && typeof value !== 'number' ? claim : undefined
}

function parseObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

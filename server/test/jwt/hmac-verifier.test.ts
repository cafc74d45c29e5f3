import { createHmac } from 'node:crypto'
import { createVerifier } from 'fast-jwt'
import t from 'tap'
import { hmacVerifier, type HmacVerifierOptions } from '../../src/jwt/hmac-verifier.ts'

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256'
const now = () => Math.floor(Date.now() / 1000)
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
const HASH: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }

/** A compact JWS built by hand, so that every malformation can be made. */
function token(header: unknown, payload: unknown, opts: { secret?: string; alg?: string; signature?: string } = {}): string {
  const input = `${b64(header)}.${b64(payload)}`
  const alg = opts.alg ?? (header as { alg?: string }).alg ?? 'HS256'
  const signature = opts.signature ?? createHmac(HASH[alg] ?? 'sha256', opts.secret ?? SECRET).update(input).digest('base64url')
  return `${input}.${signature}`
}
const hs256 = (payload: unknown, opts?: { secret?: string }) => token({ alg: 'HS256', typ: 'JWT' }, payload, opts)

/** fast-jwt, configured as plugins/auth.ts configures it, is the reference. */
function reference(o: HmacVerifierOptions) {
  const verify = createVerifier({
    key: o.secret,
    algorithms: o.algorithms as ['HS256'],
    clockTolerance: o.leewayMs,
    cache: false,
    ...(o.issuer ? { allowedIss: o.issuer } : {}),
    ...(o.audience ? { allowedAud: o.audience } : {}),
    requiredClaims: [...(o.issuer ? ['iss'] : []), ...(o.audience ? ['aud'] : [])],
  })
  return (tok: string) => {
    try {
      return { ok: true, claims: verify(tok) as Record<string, unknown>, expired: false }
    } catch (err) {
      return { ok: false, claims: undefined, expired: (err as { code?: string }).code === 'FAST_JWT_EXPIRED' }
    }
  }
}

function agree(t: { equal: Function; same: Function }, options: HmacVerifierOptions, cases: Array<[string, string, boolean]>): void {
  const ours = hmacVerifier(options)
  const theirs = reference(options)
  for (const [name, tok, accepted] of cases) {
    const a = ours(tok)
    const b = theirs(tok)
    t.equal(a.ok, accepted, `${name}: ${accepted ? 'accepted' : 'refused'}`)
    t.equal(a.ok, b.ok, `${name}: same verdict as fast-jwt`)
    if (a.ok && b.ok) t.same(a.claims, b.claims, `${name}: same claims`)
    if (!a.ok && !b.ok) t.equal(a.expired, b.expired, `${name}: expiry reported alike`)
  }
}

const base = { secret: SECRET, algorithms: ['HS256'], leewayMs: 30_000 }

t.test('signatures, algorithms and the token\'s shape', async (t) => {
  const claims = { sub: 'u1', tenant: 'acme', roles: ['staff'], exp: now() + 600, iat: now() }
  const good = hs256(claims)
  const [h, p, s] = good.split('.') as [string, string, string]
  agree(t, base, [
    ['a valid token', good, true],
    ['no exp at all', hs256({ sub: 'u1', tenant: 'acme' }), true],
    ['another secret', hs256(claims, { secret: `${SECRET}!` }), false],
    ['payload changed after signing', `${h}.${b64({ ...claims, roles: ['admin'] })}.${s}`, false],
    ['signature of another token', `${h}.${p}.${hs256({ sub: 'u2' }).split('.')[2]}`, false],
    ['truncated signature', `${h}.${p}.${s.slice(0, -2)}`, false],
    ['alg none, unsigned', `${b64({ alg: 'none' })}.${p}.`, false],
    ['alg none with a signature', token({ alg: 'none' }, claims, { alg: 'HS256' }), false],
    ['HS512 when only HS256 is allowed', token({ alg: 'HS512' }, claims), false],
    ['alg missing', token({ typ: 'JWT' }, claims, { alg: 'HS256' }), false],
    ['a critical header', token({ alg: 'HS256', crit: ['b64'], b64: false }, claims), false],
    ['header not an object', token('"HS256"', claims, { alg: 'HS256' }), false],
    ['payload an array', hs256([1, 2]), false],
    ['payload not JSON', `${h}.${b64('{not json')}.${createHmac('sha256', SECRET).update(`${h}.${b64('{not json')}`).digest('base64url')}`, false],
    ['two segments', `${h}.${p}`, false],
    ['four segments', `${good}.${s}`, false],
    ['an empty header', `.${p}.${s}`, false],
    ['padding in a segment', `${h}=.${p}.${s}`, false],
    ['characters outside base64url', `${h}.${p}.${s.replace(/.$/, '+')}`, false],
    ['not a token', 'garbage', false],
    ['empty', '', false],
  ])
  agree(t, { ...base, algorithms: ['HS256', 'HS512'] }, [['HS512 when allowed', token({ alg: 'HS512' }, claims), true]])
})

t.test('time claims, with the leeway', async (t) => {
  agree(t, base, [
    ['expired beyond the leeway', hs256({ sub: 'u', exp: now() - 120 }), false],
    ['expired within the leeway', hs256({ sub: 'u', exp: now() - 10 }), true],
    ['not active until later', hs256({ sub: 'u', nbf: now() + 120 }), false],
    ['not active for a few more seconds: within the leeway', hs256({ sub: 'u', nbf: now() + 10 }), true],
    ['exp as a string', hs256({ sub: 'u', exp: String(now() + 600) }), false],
    ['nbf as a string', hs256({ sub: 'u', nbf: 'yesterday' }), false],
  ])
  // one deliberate difference: fast-jwt checks iat only with maxAge; RFC 7519 makes it a NumericDate,
  // and revocations compare it, so a token with a malformed iat is refused here
  t.match(hmacVerifier(base)(hs256({ sub: 'u', iat: 'now' })), { ok: false, expired: false }, 'iat as a string is refused')
  t.match(reference(base)(hs256({ sub: 'u', iat: 'now' })), { ok: true }, '(fast-jwt lets it through)')
  const expired = hmacVerifier(base)(hs256({ sub: 'u', exp: now() - 120 }))
  t.match(expired, { ok: false, expired: true }, 'expiry is told apart from other refusals')
  agree(t, { ...base, leewayMs: 0 }, [['expired a few seconds ago, no leeway', hs256({ sub: 'u', exp: now() - 5 }), false]])
})

t.test('issuer and audience, when configured, are required', async (t) => {
  const o = { ...base, issuer: 'https://id.example', audience: 'switchboard' }
  agree(t, o, [
    ['both right', hs256({ sub: 'u', iss: 'https://id.example', aud: 'switchboard' }), true],
    ['audience among several', hs256({ sub: 'u', iss: 'https://id.example', aud: ['other', 'switchboard'] }), true],
    ['another issuer', hs256({ sub: 'u', iss: 'https://evil.example', aud: 'switchboard' }), false],
    ['another audience', hs256({ sub: 'u', iss: 'https://id.example', aud: 'other' }), false],
    ['no issuer', hs256({ sub: 'u', aud: 'switchboard' }), false],
    ['no audience', hs256({ sub: 'u', iss: 'https://id.example' }), false],
  ])
})

t.test('a configuration it cannot serve is refused at once', async (t) => {
  t.throws(() => hmacVerifier({ ...base, algorithms: ['RS256'] }), /not an HMAC algorithm/)
  t.throws(() => hmacVerifier({ ...base, secret: '' }), /secret is required/)
  const verify = hmacVerifier(base)
  t.match(verify('x'.repeat(20_000)), { ok: false }, 'an oversized token is refused without work')
})

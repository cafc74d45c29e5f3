import t from 'tap'
import { VerifiedTokens, type Principal } from '../../src/plugins/auth.ts'
import { publish, startServer, type TestServer } from '../helpers/server.ts'

const principal = (user: string, expiresAt: number | null): Principal => ({
  user,
  tenant: 'acme',
  roles: ['service'],
  isAdmin: false,
  isTenantAdmin: false,
  isService: true,
  expiresAt,
})

/** An operator's disconnect of a user that also revokes the tokens issued so far. */
const revokeUser = (s: TestServer, operatorToken: string, tenant: string, user: string) =>
  fetch(`${s.http}/api/websocket/users/${tenant}/${user}/disconnect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ revokeTokens: true }),
  })

t.test('remembered tokens: exact token match, expiry with leeway, oldest out when full', async (t) => {
  const tokens = new VerifiedTokens(2, 1000)
  const a = principal('a', 10_000)
  tokens.set('token-a', a)
  t.equal(tokens.get('token-a', 5_000), a)
  t.equal(tokens.get('token-A', 5_000), undefined, 'another string is another token')
  t.equal(tokens.get('token-a', 11_000), a, 'within the leeway past exp')
  t.equal(tokens.get('token-a', 11_001), undefined, 'past exp + leeway it is gone')
  t.equal(tokens.size, 0, 'and forgotten')

  tokens.set('b', principal('b', null))
  tokens.set('c', principal('c', null))
  tokens.set('d', principal('d', null))
  t.equal(tokens.size, 2, 'bounded')
  t.equal(tokens.get('b', 0), undefined, 'the oldest left first')
  t.equal(tokens.get('d', Number.MAX_SAFE_INTEGER)?.user, 'd', 'no exp: kept until pushed out')
})

t.test('a backend token used again and again stops working at its expiry and when revoked', async (t) => {
  const s = await startServer(t, { JWT_LEEWAY_SECONDS: '0' })
  const body = { type: 'system_event', tenant: 'acme', data: { level: 'info', message: 'x' } }

  const shortLived = s.token({ sub: 'svc', tenant: 'acme', roles: ['service'] }, 3)
  const exp = (JSON.parse(Buffer.from(shortLived.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp
  t.equal((await publish(s, shortLived, body)).status, 200)
  t.equal((await publish(s, shortLived, body)).status, 200, 'a second use')
  await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 100))
  t.match(await publish(s, shortLived, body), { status: 401, body: { code: 'TOKEN_EXPIRED' } }, 'refused once expired')

  const svc = s.token({ sub: 'svc', tenant: 'acme', roles: ['service'] })
  t.equal((await publish(s, svc, body)).status, 200)
  const admin = s.token({ sub: 'root', tenant: 'ops', roles: ['admin'] })
  t.equal((await revokeUser(s, admin, 'acme', 'svc')).status, 200)
  t.match(await publish(s, svc, body), { status: 401, body: { code: 'AUTH_FAILED', message: /revoked/ } }, 'refused once revoked')
})

t.test('a token claiming to be issued in the future is refused, so it cannot outlive a revocation', async (t) => {
  const s = await startServer(t)
  const body = { type: 'system_event', tenant: 't1', data: { level: 'info', message: 'x' } }
  const admin = s.token({ sub: 'root', tenant: 'ops', roles: ['admin'] })
  t.equal((await revokeUser(s, admin, 't1', 'u1')).status, 200)
  const tenYears = 10 * 365 * 86_400
  const future = s.token({ sub: 'u1', tenant: 't1', roles: ['service'], iat: Math.floor(Date.now() / 1000) + tenYears })
  t.match(await publish(s, future, body), { status: 401, body: { code: 'AUTH_FAILED', message: /future/ } })
})

t.test('verifyToken refuses out-of-range time claims, a future iat and the reserved tenant, on either verifier', async (t) => {
  const { generateKeyPairSync } = await import('node:crypto')
  const { createSigner } = await import('fast-jwt')
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const hmac = await startServer(t, { JWT_LEEWAY_SECONDS: '30' })
  const ecdsa = await startServer(t, { JWT_SECRET: '', JWT_ALGORITHMS: 'ES256', JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString() })
  const signers = {
    HS256: createSigner({ key: hmac.config.JWT_SECRET, algorithm: 'HS256' }),
    ES256: createSigner({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'ES256' }),
  }
  const now = Math.floor(Date.now() / 1000)
  const who = { sub: 'u1', tenant: 't1' }
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['an ordinary token', { ...who, iat: now, exp: now + 60 }, true],
    ['exp: 1e17', { ...who, exp: 1e17 }, false],
    ['exp at the last second a Date holds', { ...who, exp: 8.64e12 }, true],
    ['iat ten years ahead', { ...who, iat: now + 315_360_000, exp: now + 60 }, false],
    ['iat 20 s ahead, within the 30 s leeway', { ...who, iat: now + 20, exp: now + 60 }, true],
    ['iat 120 s ahead, past the leeway', { ...who, iat: now + 120, exp: now + 60 }, false],
    ['tenant "*"', { sub: 'u1', tenant: '*', exp: now + 60 }, false],
    ['systemId "*"', { sub: 'u1', systemId: '*', exp: now + 60 }, false],
  ]
  for (const [name, claims, accepted] of cases) {
    for (const [alg, s] of [['HS256', hmac], ['ES256', ecdsa]] as const) {
      const result = s.app.verifyToken(signers[alg](claims))
      if (accepted) t.equal(result.ok, true, `${alg}, ${name}: accepted`)
      else t.match(result, { ok: false, code: 'AUTH_FAILED' }, `${alg}, ${name}: refused`)
    }
  }
})

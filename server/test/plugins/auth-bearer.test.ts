import t from 'tap'
import { VerifiedTokens, type Principal } from '../../src/plugins/auth.ts'
import { publish, startServer } from '../helpers/server.ts'

const principal = (user: string, expiresAt: number | null): Principal => ({
  user,
  tenant: 'acme',
  roles: ['service'],
  isAdmin: false,
  isTenantAdmin: false,
  isService: true,
  expiresAt,
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
  const revoke = await fetch(`${s.http}/api/websocket/users/acme/svc/disconnect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ revokeTokens: true }),
  })
  t.equal(revoke.status, 200)
  t.match(await publish(s, svc, body), { status: 401, body: { code: 'AUTH_FAILED', message: /revoked/ } }, 'refused once revoked')
})

import t from 'tap'
import { Revocations } from '../../src/cluster/revocations.ts'

t.test('a revocation refuses the tokens of its user or tenant issued before it, until it expires', async (t) => {
  let now = 1_000_000
  const r = new Revocations(() => now)
  const p = (user: string, issuedAt: number | null, tenant = 'acme') => ({ tenant, user, issuedAt })
  t.equal(r.isRevoked(p('u', 0)), false, 'nothing revoked')
  r.add({ tenant: 'acme', user: 'u', before: 500_000, until: 2_000_000 })
  t.equal(r.isRevoked(p('u', 499_000)), true, 'issued before')
  t.equal(r.isRevoked(p('u', 500_000)), false, 'issued at or after')
  t.equal(r.isRevoked(p('u', null)), true, 'no iat: cannot prove it is newer')
  t.equal(r.isRevoked(p('v', 0)), false, 'another user')
  t.equal(r.isRevoked(p('u', 0, 'beta')), false, 'another tenant')
  r.add({ tenant: 'beta', before: 800_000, until: 1_500_000 })
  t.equal(r.isRevoked(p('anyone', 700_000, 'beta')), true, 'a tenant revocation covers every user')
  r.add({ tenant: 'acme', user: 'u', before: 400_000, until: 3_000_000 })
  t.equal(r.isRevoked(p('u', 450_000)), true, 'a second revocation never narrows the first')
  t.equal(r.entries().length, 2)
  now = 1_600_000
  t.equal(r.isRevoked(p('anyone', 700_000, 'beta')), false, 'expired')
  t.same(r.entries().map((e) => e.tenant), ['acme'], 'expired entries are dropped')
  t.equal(r.size, 1)
})

t.test('expired revocations are dropped as new ones come in, without anyone listing them', async (t) => {
  let now = 1_000_000
  const r = new Revocations(() => now)
  for (let i = 0; i < 100; i++) r.add({ tenant: 'acme', user: `u${i}`, before: now, until: now + 1_000 })
  t.equal(r.size, 100)
  now += 61_000 // all expired, and a minute on
  r.add({ tenant: 'acme', user: 'late', before: now, until: now + 1_000 })
  t.equal(r.size, 1, 'only the live one is kept')
})

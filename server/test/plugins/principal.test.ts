import t from 'tap'
import { loadConfig } from '../../src/config.ts'
import { principalFromClaims } from '../../src/plugins/auth.ts'

const config = loadConfig({ ADMIN_ROLES: 'admin', TENANT_ADMIN_ROLES: 'manager', SERVICE_ROLES: 'service' })
const principal = (claims: Record<string, unknown>) => principalFromClaims({ sub: 'u1', tenant: 't1', ...claims }, config)!

t.test('roles: distinct, non-empty strings of at most 64 characters, the first 32', async (t) => {
  const long = 'x'.repeat(65)
  t.same(principal({ roles: ['a', 'b', 'a', '', 7, null, long, 'c'] }).roles, ['a', 'b', 'c'])
  t.same(principal({ role: 'officer' }).roles, ['officer'], 'a single `role` claim')
  t.same(principal({}).roles, [])
  const many = Array.from({ length: 40 }, (_, i) => `r${i}`)
  t.same(principal({ roles: many }).roles, many.slice(0, 32))
  t.ok(Object.isFrozen(principal({ roles: ['a'] }).roles))
  const huge = ['ops', 'y'.repeat(3000), 'viewer']
  t.same(principal({ roles: huge }).roles, ['ops', 'viewer'], 'a claim too long to remember is still checked')
  t.same(principal({ roles: huge }).roles, ['ops', 'viewer'])
})

t.test('the same claim gives the same shared list, whichever way it was first seen', async (t) => {
  const first = principal({ roles: ['ops', 'viewer'] }).roles
  t.equal(principal({ roles: ['ops', 'viewer'] }).roles, first, 'a repeated claim')
  t.equal(principal({ roles: ['ops', 'viewer', 'ops'] }).roles, first, 'a claim that checks to the same list')
  t.equal(principal({ roles: ['ops', 'viewer', 42] }).roles, first, 'a claim with a non-string')
})

t.test('a role holding a separator is not confused with two roles', async (t) => {
  const two = principal({ roles: ['admin', 'x'] })
  const one = principal({ roles: ['admin\0x'] })
  t.same(two.roles, ['admin', 'x'])
  t.same(one.roles, ['admin\0x'])
  t.equal(two.isAdmin, true)
  t.equal(one.isAdmin, false, 'no admin role smuggled in through a cached list')
  const comma = principal({ roles: ['a,b'] })
  t.same(principal({ roles: ['a', 'b'] }).roles, ['a', 'b'])
  t.same(comma.roles, ['a,b'])
})

t.test('flags follow the configured role sets', async (t) => {
  const p = principal({ roles: ['viewer', 'manager'] })
  t.same([p.isAdmin, p.isTenantAdmin, p.isService], [false, true, false])
  const s = principal({ roles: ['service'] })
  t.same([s.isAdmin, s.isTenantAdmin, s.isService], [false, false, true])
  t.equal(principal({ roles: ['admin'] }).isAdmin, true)
})

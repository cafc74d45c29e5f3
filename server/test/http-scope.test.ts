import t from 'tap'
import { HttpProblem } from '../src/http-problem.ts'
import { requestedTenant, tenantFilter, type TenantScope } from '../src/http-scope.ts'
import type { Principal } from '../src/plugins/auth.ts'

const principal = (tenant: string, isAdmin: boolean): Principal => ({ user: 'u', tenant, roles: [], isAdmin, isTenantAdmin: !isAdmin, isService: false, expiresAt: null })
const admin: TenantScope = { tenant: undefined, principal: principal('ops', true) }
const tenantAdmin: TenantScope = { tenant: 'acme', principal: principal('acme', false) }
const refusal = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    return err instanceof HttpProblem ? { status: err.statusCode, code: err.code } : err
  }
  return undefined
}

t.test('a requested tenant is passed through unless it is the reserved "*"', async (t) => {
  t.equal(requestedTenant('acme'), 'acme')
  t.equal(requestedTenant(undefined), undefined)
  t.same(refusal(() => requestedTenant('*')), { status: 400, code: 'INVALID_FRAME' })
  t.equal(requestedTenant('**'), '**', 'only the marker itself is reserved')
})

t.test('tenantFilter refuses "*" whoever asks; otherwise admin names any tenant, others their own', async (t) => {
  t.same(refusal(() => tenantFilter(admin, '*')), { status: 400, code: 'INVALID_FRAME' })
  t.same(refusal(() => tenantFilter(tenantAdmin, '*')), { status: 400, code: 'INVALID_FRAME' })
  t.equal(tenantFilter(admin, 'beta'), 'beta')
  t.equal(tenantFilter(admin, undefined), undefined)
  t.equal(tenantFilter(tenantAdmin, undefined), 'acme')
  t.same(refusal(() => tenantFilter(tenantAdmin, 'beta')), { status: 403, code: 'FORBIDDEN' })
})

import { HttpProblem } from '../../../http-problem.ts'
import { requestedTenant } from '../../../http-scope.ts'
import type { Principal } from '../../../plugins/auth.ts'
import type { Device } from '../state/device.ts'

/** The caller, or 401. */
export function principalOf(p: Principal | null): Principal {
  if (p === null) throw new HttpProblem(401, 'NOT_AUTHENTICATED', 'Authorization: Bearer <token> required')
  return p
}

/** Operators of devices: admin (any tenant) and tenant admins (their own). */
export function isOperator(p: Principal): boolean {
  return p.isAdmin || p.isTenantAdmin
}

/** Who may switch plugs: operators, services and DEVICE_CONTROL_ROLES. */
export function canControl(p: Principal, controlRoles: ReadonlySet<string>): boolean {
  return isOperator(p) || p.isService || p.roles.some((r) => controlRoles.has(r))
}

/**
 * Admin sees every tenant's devices; anyone else only its own tenant's, and
 * a device awaiting approval (or rejected) only when an operator.
 */
export function canSee(p: Principal, d: Device): boolean {
  if (p.isAdmin) return true
  if (d.tenant !== p.tenant) return false
  return d.approval === 'approved' || p.isTenantAdmin
}

/** The tenant an operator acts on: admin names any (default its own), a tenant admin only its own. */
export function operatorTenant(p: Principal, requested: string | undefined): string {
  if (!isOperator(p)) throw new HttpProblem(403, 'FORBIDDEN', 'Needs an admin or tenant admin role')
  requestedTenant(requested)
  if (requested === undefined || requested === p.tenant) return p.tenant
  if (!p.isAdmin) throw new HttpProblem(403, 'FORBIDDEN', 'Only admin may act on another tenant')
  return requested
}

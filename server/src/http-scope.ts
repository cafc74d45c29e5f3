import { HttpProblem } from './http-problem.ts'
import type { Principal } from './plugins/auth.ts'
import { isReservedTenant } from './realtime/rooms.ts'

/** Which tenants an operator's request may see: `tenant` undefined means every tenant. */
export interface TenantScope {
  tenant: string | undefined
  principal: Principal
}

/**
 * The operator APIs (connections, logs): `admin` sees every tenant; a tenant
 * admin, and a service when `allowService`, see their own tenant only;
 * anyone else is refused.
 */
export function operatorScope(principal: Principal | null, opts: { allowService: boolean }): TenantScope {
  if (principal === null) throw new HttpProblem(401, 'NOT_AUTHENTICATED', 'Authorization: Bearer <token> required')
  if (principal.isAdmin) return { tenant: undefined, principal }
  if (principal.isTenantAdmin || (opts.allowService && principal.isService)) return { tenant: principal.tenant, principal }
  throw new HttpProblem(403, 'FORBIDDEN', opts.allowService ? 'Needs an admin, tenant admin or service role' : 'Needs an admin or tenant admin role')
}

/**
 * A tenant named in a request (body, query, path), refused with 400 when it is
 * the rooms' marker for every tenant (`*`): events routed to it would reach
 * every tenant's global operators. Tokens cannot claim it either (plugins/auth.ts).
 */
export function requestedTenant<T extends string | undefined>(tenant: T): T {
  if (tenant !== undefined && isReservedTenant(tenant)) throw new HttpProblem(400, 'INVALID_FRAME', `Tenant "${tenant}" is reserved`)
  return tenant
}

/** The tenant filter of a query: admin may name any tenant (or none); others only their own. */
export function tenantFilter(scope: TenantScope, requested: string | undefined): string | undefined {
  requestedTenant(requested)
  if (scope.tenant === undefined) return requested
  if (requested !== undefined && requested !== scope.tenant) throw new HttpProblem(403, 'FORBIDDEN', 'Only admin may look at another tenant')
  return scope.tenant
}

/** True when a row of `rowTenant` is visible in the scope (rows without a tenant: admin only). */
export function inScope(scope: TenantScope, rowTenant: string | null | undefined): boolean {
  return scope.tenant === undefined || rowTenant === scope.tenant
}

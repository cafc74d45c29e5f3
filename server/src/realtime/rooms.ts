/**
 * Room keys of the local index. Tenant-scoped by construction: a key always
 * embeds its tenant, so a lookup for one tenant can never reach another's
 * connections. `*` stands for global operators on system channels.
 */
export const ALL_TENANTS = '*'

/**
 * True for a tenant name no caller may claim or name: `*` would put a token's
 * holder, or a published event, in the rooms of every tenant's global
 * operators. Checked wherever a tenant enters from outside (token claims,
 * HTTP bodies): rooms themselves cannot tell the marker from a real tenant.
 */
export const isReservedTenant = (tenant: string): boolean => tenant === ALL_TENANTS

export const tenantRoom = (tenant: string) => `t\0${tenant}`
export const userRoom = (tenant: string, user: string) => `u\0${tenant}\0${user}`
export const roleRoom = (tenant: string, role: string) => `r\0${tenant}\0${role}`
export const channelRoom = (tenant: string, channel: string) => `c\0${tenant}\0${channel}`

/** The room of an event aimed at a tenant, a user or a role. */
export function identityRoom(target: { kind: 'tenant'; tenant: string } | { kind: 'user'; tenant: string; user: string } | { kind: 'role'; tenant: string; role: string }): string {
  return target.kind === 'tenant' ? tenantRoom(target.tenant) : target.kind === 'user' ? userRoom(target.tenant, target.user) : roleRoom(target.tenant, target.role)
}

/** A room key taken apart: what a bus needs to decide which cluster traffic this instance wants. */
export type RoomRef =
  | { kind: 'tenant'; tenant: string }
  | { kind: 'user'; tenant: string; user: string }
  | { kind: 'role'; tenant: string; role: string }
  /** tenant `*` (ALL_TENANTS): global operators watching a system channel of every tenant. */
  | { kind: 'channel'; tenant: string; channel: string }

/** Inverse of the key functions above (the tenant is the segment after the kind; users and roles keep any NUL). */
export function parseRoom(key: string): RoomRef {
  const parts = key.split('\0')
  switch (parts[0]) {
    case 't':
      return { kind: 'tenant', tenant: parts[1]! }
    case 'u':
      return { kind: 'user', tenant: parts[1]!, user: parts.slice(2).join('\0') }
    case 'r':
      return { kind: 'role', tenant: parts[1]!, role: parts.slice(2).join('\0') }
    default:
      return { kind: 'channel', tenant: parts[1]!, channel: parts.slice(2).join('\0') }
  }
}

/** Readable room names reported to the client in `auth_success.rooms`. */
export function roomLabels(tenant: string, user: string, roles: readonly string[]): string[] {
  return [`tenant:${tenant}`, `user:${user}`, ...roles.map((r) => `role:${r}`)]
}

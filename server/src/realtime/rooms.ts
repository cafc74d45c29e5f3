/**
 * Room keys of the local index. Tenant-scoped by construction: a key always
 * embeds its tenant, so a lookup for one tenant can never reach another's
 * connections. `*` stands for global operators on system channels.
 */
export const ALL_TENANTS = '*'

export const tenantRoom = (tenant: string) => `t\0${tenant}`
export const userRoom = (tenant: string, user: string) => `u\0${tenant}\0${user}`
export const roleRoom = (tenant: string, role: string) => `r\0${tenant}\0${role}`
export const channelRoom = (tenant: string, channel: string) => `c\0${tenant}\0${channel}`

/** Readable room names reported to the client in `auth_success.rooms`. */
export function roomLabels(tenant: string, user: string, roles: readonly string[]): string[] {
  return [`tenant:${tenant}`, `user:${user}`, ...roles.map((r) => `role:${r}`)]
}

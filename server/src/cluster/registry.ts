import type { ClusterInstance, ClusterStats, LiveConnection } from '@switchboard/shared'
import type { Bus } from '../bus/bus.ts'
import type { ConnectionInfo } from '../realtime/connection-observer.ts'
import type { Hub } from '../realtime/hub.ts'

/** The cluster view with tenant names (callers strip them for non-admins). */
export type ClusterView = ClusterStats & { connections_by_tenant: Record<string, number> }

export interface LiveConnectionFilter {
  tenant?: string | undefined
  user?: string | undefined
  limit: number
}

/** Where `/ws/stats`' cluster view and the live connections list come from. */
export interface ClusterRegistry {
  view(): Promise<ClusterView>
  connections(filter: LiveConnectionFilter): Promise<{ items: LiveConnection[]; total: number; instances: string[] }>
}

/** What one instance reports about itself (the registry's summary entry). */
export type InstanceReport = Omit<ClusterInstance, 'heartbeat_at' | 'lease_expires_at'> & {
  connections_by_tenant: Record<string, number>
}

export function instanceReport(hub: Hub, bus: Bus, id: string, startedAt: string): InstanceReport {
  let authenticated = 0
  for (const c of hub.connections.values()) if (c.principal !== null) authenticated++
  return {
    id,
    connections: hub.connections.size,
    authenticated_connections: authenticated,
    unique_users: hub.uniqueUsers(),
    connections_by_role: hub.countsByRole(),
    connections_by_tenant: hub.countsByTenant(),
    channels: hub.channelCount(),
    bus_health: bus.health(),
    started_at: startedAt,
  }
}

export function liveConnection(c: ConnectionInfo, instanceId: string): LiveConnection {
  return {
    id: c.id,
    instanceId,
    user: c.user ?? null,
    tenant: c.tenant ?? null,
    roles: [...c.roles],
    ip: c.ip,
    userAgent: c.userAgent?.slice(0, 256) ?? null,
    connectedAt: new Date(c.connectedAt).toISOString(),
    authenticatedAt: c.authenticatedAt === undefined ? null : new Date(c.authenticatedAt).toISOString(),
    subscriptions: [...c.subscriptions],
  }
}

export function matches(c: LiveConnection, f: LiveConnectionFilter): boolean {
  return (f.tenant === undefined || c.tenant === f.tenant) && (f.user === undefined || c.user === f.user)
}

/** Adds instance reports up; `uniqueUsers` is counted by the caller (users on several instances count once). */
export function clusterView(source: 'redis' | 'local', instances: Array<InstanceReport & { heartbeat_at: string; lease_expires_at: string }>, uniqueUsers: number): ClusterView {
  const byRole: Record<string, number> = {}
  const byTenant: Record<string, number> = {}
  let total = 0
  let authenticated = 0
  for (const i of instances) {
    total += i.connections
    authenticated += i.authenticated_connections
    for (const [k, n] of Object.entries(i.connections_by_role)) byRole[k] = (byRole[k] ?? 0) + n
    for (const [k, n] of Object.entries(i.connections_by_tenant)) byTenant[k] = (byTenant[k] ?? 0) + n
  }
  return {
    source,
    instance_count: instances.length,
    instances: instances.map(({ connections_by_tenant: _t, ...i }) => i),
    total_connections: total,
    authenticated_connections: authenticated,
    unique_users: uniqueUsers,
    connections_by_role: byRole,
    connections_by_tenant: byTenant,
  }
}

/** A single instance without Redis: the cluster is this hub. */
export class LocalRegistry implements ClusterRegistry {
  readonly #report: () => InstanceReport
  readonly #hub: Hub
  readonly #id: string

  constructor(hub: Hub, id: string, report: () => InstanceReport) {
    this.#hub = hub
    this.#id = id
    this.#report = report
  }

  view(): Promise<ClusterView> {
    const now = new Date().toISOString()
    const report = this.#report()
    return Promise.resolve(clusterView('local', [{ ...report, heartbeat_at: now, lease_expires_at: now }], report.unique_users))
  }

  connections(filter: LiveConnectionFilter): Promise<{ items: LiveConnection[]; total: number; instances: string[] }> {
    const all = [...this.#hub.connections.values()]
      .filter((c) => c.principal !== null) // as in Redis: authenticated connections only
      .map((c) => liveConnection(c, this.#id))
      .filter((c) => matches(c, filter))
    return Promise.resolve({ items: all.slice(0, filter.limit), total: all.length, instances: [this.#id] })
  }
}

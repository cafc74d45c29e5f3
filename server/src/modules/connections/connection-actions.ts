import { CLOSE_CODES, type ConnectionAction, type ConnectionActionResponse } from '@switchboard/shared'
import { HttpProblem } from '../../http-problem.ts'
import { inScope, type TenantScope } from '../../http-scope.ts'
import type { ConnectionInfo } from '../../realtime/connection-observer.ts'
import type { ConnectionStatus, ConnectionType, WebsocketConnection } from './connection.entity.ts'
import type { ConnectionRepository } from './connection.repository.ts'

/** Who asked, for the audit trail. */
export interface Actor {
  user: string
  tenant: string
  roles: readonly string[]
  ip: string
  userAgent: string | undefined
}

/** The audit entry of one action; the logs module stores it. */
export interface ActionAudit {
  connectionId: string
  tenant: string | null
  action: ConnectionAction
  actor: Actor
  message: string
  before: { status: ConnectionStatus; autoReconnect: boolean }
  after: { status: ConnectionStatus; autoReconnect: boolean }
  type: ConnectionType
}

/** Reaches client sockets wherever they live (through the bus) and sees the local ones. */
export interface ClientControl {
  disconnect(connectionId: string, code: number, reason: string): Promise<void>
  local(connectionId: string): ConnectionInfo | undefined
  instanceId: string
  /** One instance only (memory bus): a connection not held here is held nowhere. */
  singleInstance: boolean
}

/**
 * A connector for an upstream connection type (the devices issue's SHELLY):
 * carries out start/stop/restart on the real connection and says its status.
 */
export interface UpstreamControl {
  apply(action: Exclude<ConnectionAction, 'toggle-reconnect'>, row: WebsocketConnection): Promise<ConnectionStatus>
}

/** Reference 000: start -> on, stop -> off, restart -> on (stop + start), toggle -> flipped. */
export function nextAutoReconnect(action: ConnectionAction, current: boolean): boolean {
  return action === 'toggle-reconnect' ? !current : action !== 'stop'
}

/**
 * `POST /api/websocket/:connectionId/:action`. The audit entry is written
 * first, then the flag; then the connection is acted on. For a
 * CLIENT connection that means closing it with a documented code the client
 * obeys: 4004 STOPPED (terminal, stay away) or 4100 RESTART (reconnect now).
 */
export class ConnectionActions {
  readonly #repo: ConnectionRepository
  readonly #clients: ClientControl
  readonly #audit: (entry: ActionAudit) => Promise<void>
  readonly #upstream = new Map<ConnectionType, UpstreamControl>()

  constructor(opts: { repo: ConnectionRepository; clients: ClientControl; audit: (entry: ActionAudit) => Promise<void> }) {
    this.#repo = opts.repo
    this.#clients = opts.clients
    this.#audit = opts.audit
  }

  registerUpstream(type: Exclude<ConnectionType, 'CLIENT'>, control: UpstreamControl): void {
    this.#upstream.set(type, control)
  }

  async run(connectionId: string, action: ConnectionAction, actor: Actor, scope: TenantScope): Promise<ConnectionActionResponse> {
    const row = await this.#repo.get(connectionId)
    // Out of scope looks exactly like absent: a tenant admin learns nothing about other tenants' ids.
    if (row === null || !inScope(scope, row.tenant)) throw new HttpProblem(404, 'NOT_FOUND', `No connection ${connectionId}`)
    const before = { status: row.status, autoReconnect: row.autoReconnect }
    const autoReconnect = nextAutoReconnect(action, row.autoReconnect)
    const { status, message, effect } = row.type === 'CLIENT' ? this.#planClient(row, action) : this.#planUpstream(row, action)

    // Audit first: no change can happen without its entry (a failure after it leaves an entry for an attempt).
    await this.#audit({ connectionId, tenant: row.tenant ?? null, action, actor, message, before, after: { status, autoReconnect }, type: row.type })
    await this.#repo.update(connectionId, { autoReconnect })
    const finalStatus = (await effect?.()) ?? status
    return { success: true, message, data: { connectionId, status: finalStatus, autoReconnect } }
  }

  #planClient(row: WebsocketConnection, action: ConnectionAction): { status: ConnectionStatus; message: string; effect?: () => Promise<ConnectionStatus> } {
    const open = row.status === 'connected'
    switch (action) {
      case 'stop':
        if (!open) return { status: row.status, message: 'Connection is not open; auto-reconnect turned off' }
        return {
          status: 'disconnected',
          message: `Connection stopped (close ${CLOSE_CODES.STOPPED}: the client must not reconnect)`,
          effect: () => this.#close(row, CLOSE_CODES.STOPPED, 'stopped by an operator'),
        }
      case 'restart':
        if (!open) return { status: row.status, message: 'Connection is not open; auto-reconnect turned on' }
        return {
          status: 'disconnected',
          message: `Connection restarted (close ${CLOSE_CODES.RESTART}: the client reconnects as a new connection)`,
          effect: () => this.#close(row, CLOSE_CODES.RESTART, 'restarted by an operator'),
        }
      case 'start':
        return {
          status: row.status,
          message: open ? 'Connection is already open; auto-reconnect on' : 'Client connections are opened by the client; auto-reconnect turned on',
        }
      case 'toggle-reconnect':
        return { status: row.status, message: `Auto-reconnect turned ${row.autoReconnect ? 'off' : 'on'}` }
    }
  }

  async #close(row: WebsocketConnection, code: number, reason: string): Promise<ConnectionStatus> {
    const here = this.#clients.local(row.id) !== undefined
    // A row still "connected" that no instance holds (its instance died): nothing to close, record it closed.
    const orphan = !here && (this.#clients.singleInstance || row.instanceId === this.#clients.instanceId)
    if (orphan) {
      await this.#repo.markClosed(row.id, 'not held by any instance (closed by an operator action)')
      return 'disconnected'
    }
    await this.#clients.disconnect(row.id, code, reason)
    return 'disconnected'
  }

  #planUpstream(row: WebsocketConnection, action: ConnectionAction): { status: ConnectionStatus; message: string; effect?: () => Promise<ConnectionStatus> } {
    if (action === 'toggle-reconnect') return { status: row.status, message: `Auto-reconnect turned ${row.autoReconnect ? 'off' : 'on'}` }
    const connector = this.#upstream.get(row.type)
    if (connector === undefined) {
      // The flag is the contract with connectors (reference 000: check autoReconnect before reconnecting).
      return { status: row.status, message: `No ${row.type} connector runs on this instance; auto-reconnect recorded for it` }
    }
    return {
      status: row.status,
      message: `${action} sent to the ${row.type} connector`,
      effect: async () => {
        const status = await connector.apply(action, row)
        await this.#repo.update(row.id, { status })
        return status
      },
    }
  }
}

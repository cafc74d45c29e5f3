import { CLOSE_CODES } from '@switchboard/shared'
import type { Bus } from '../../bus/bus.ts'
import type { DisconnectSelector } from '../../bus/cluster-message.ts'
import type { Revocation } from '../../cluster/revocations.ts'
import { HttpProblem } from '../../http-problem.ts'

export interface DisconnectServiceOptions {
  bus: Bus
  instanceId: string
  /** Connections a selector names in the whole cluster right now (best effort: 0 when unknown). */
  count(selector: DisconnectSelector): Promise<number>
  /** Stores a revocation where instances that start later find it (Redis); before the order goes out. */
  persistRevocation(r: Revocation): Promise<void>
  /** How long a revocation lasts (REVOCATION_TTL_SECONDS). */
  revocationTtlMs: number
  now?: () => number
}

/** What a user or tenant disconnect did. */
export interface DisconnectOutcome {
  connections: number
  revoked: { before: number; until: number } | undefined
}

/**
 * Closes connections wherever they live: one `disconnect` cluster message,
 * every instance closes the ones it holds (hub.disconnect). Used by the
 * connection control API (`stop`, `restart`), token revocation and disabled
 * tenants. A user or tenant disconnect also revokes, by default, the tokens
 * issued until now: the same message carries the revocation, which every
 * instance records as it closes the sockets (cluster/revocations.ts). A bus
 * that cannot carry the order answers 503: nothing was closed.
 */
export class DisconnectService {
  readonly #o: DisconnectServiceOptions

  constructor(opts: DisconnectServiceOptions) {
    this.#o = opts
  }

  async send(selector: DisconnectSelector, code: number, reason: string, revoke?: { before: number; until: number }): Promise<void> {
    try {
      await this.#o.bus.publish({ kind: 'disconnect', origin: this.#o.instanceId, selector, code, reason: reason.slice(0, 120), ...(revoke ? { revoke } : {}) })
    } catch (err) {
      throw new HttpProblem(503, 'UNAVAILABLE', `Disconnect order could not be sent: ${(err as Error).message}`)
    }
  }

  /** One connection (any instance). */
  connection(connectionId: string, code: number, reason: string): Promise<void> {
    return this.send({ connectionId }, code, reason)
  }

  /** Every connection of a user, with 4005 REVOKED, and (by default) its tokens issued until now. */
  user(tenant: string, user: string, reason = 'access revoked', revokeTokens = true): Promise<DisconnectOutcome> {
    return this.#revoke({ tenant, user }, reason, revokeTokens)
  }

  /** Every connection of a tenant, with 4005 REVOKED, and (by default) its tokens issued until now. */
  tenant(tenant: string, reason = 'tenant disabled', revokeTokens = true): Promise<DisconnectOutcome> {
    return this.#revoke({ tenant }, reason, revokeTokens)
  }

  async #revoke(selector: { tenant: string; user?: string }, reason: string, revokeTokens: boolean): Promise<DisconnectOutcome> {
    const connections = await this.#count(selector as DisconnectSelector)
    let revoked: DisconnectOutcome['revoked']
    if (revokeTokens) {
      const now = (this.#o.now ?? Date.now)()
      revoked = { before: now, until: now + this.#o.revocationTtlMs }
      try {
        // stored first: an instance starting meanwhile loads it; the order then tells the running ones
        await this.#o.persistRevocation({ ...selector, ...revoked })
      } catch (err) {
        throw new HttpProblem(503, 'UNAVAILABLE', `Revocation could not be stored: ${(err as Error).message}`)
      }
    }
    await this.send(selector as DisconnectSelector, CLOSE_CODES.REVOKED, reason, revoked)
    return { connections, revoked }
  }

  async #count(selector: DisconnectSelector): Promise<number> {
    try {
      return await this.#o.count(selector)
    } catch {
      return 0
    }
  }
}

import { CLOSE_CODES } from '@switchboard/shared'
import type { Bus } from '../../bus/bus.ts'
import type { DisconnectSelector } from '../../bus/cluster-message.ts'
import { HttpProblem } from '../../http-problem.ts'

export interface DisconnectServiceOptions {
  bus: Bus
  instanceId: string
  /** Connections a selector names in the whole cluster right now (best effort: 0 when unknown). */
  count(selector: DisconnectSelector): Promise<number>
}

/**
 * Closes connections wherever they live: one `disconnect` cluster message,
 * every instance closes the ones it holds (hub.disconnect). Used by the
 * connection control API (`stop`, `restart`), token revocation and disabled
 * tenants. A bus that cannot carry the order answers 503: nothing was closed.
 */
export class DisconnectService {
  readonly #o: DisconnectServiceOptions

  constructor(opts: DisconnectServiceOptions) {
    this.#o = opts
  }

  async send(selector: DisconnectSelector, code: number, reason: string): Promise<void> {
    try {
      await this.#o.bus.publish({ kind: 'disconnect', origin: this.#o.instanceId, selector, code, reason: reason.slice(0, 120) })
    } catch (err) {
      throw new HttpProblem(503, 'UNAVAILABLE', `Disconnect order could not be sent: ${(err as Error).message}`)
    }
  }

  /** One connection (any instance). */
  connection(connectionId: string, code: number, reason: string): Promise<void> {
    return this.send({ connectionId }, code, reason)
  }

  /** Every connection of a user, with 4005 REVOKED; returns how many the cluster held. */
  async user(tenant: string, user: string, reason = 'access revoked'): Promise<number> {
    const selector = { tenant, user }
    const n = await this.#count(selector)
    await this.send(selector, CLOSE_CODES.REVOKED, reason)
    return n
  }

  /** Every connection of a tenant, with 4005 REVOKED; returns how many the cluster held. */
  async tenant(tenant: string, reason = 'tenant disabled'): Promise<number> {
    const selector = { tenant }
    const n = await this.#count(selector)
    await this.send(selector, CLOSE_CODES.REVOKED, reason)
    return n
  }

  async #count(selector: DisconnectSelector): Promise<number> {
    try {
      return await this.#o.count(selector)
    } catch {
      return 0
    }
  }
}

/** Tokens of a tenant (or of one user in it) issued before `before` are refused until `until` (epoch ms). */
export interface Revocation {
  tenant: string
  user?: string | undefined
  before: number
  until: number
}

/**
 * The revocations every instance knows: checked on each token verification
 * (so it must be cheap: two map lookups, none while the list is empty).
 * Filled by the cluster layer from the `disconnect` orders that carry a
 * revocation, and from Redis at start-up and after a reconnect.
 *
 * A token without `iat` cannot prove it is newer: while a revocation of its
 * user or tenant lasts, it is refused.
 */
export class Revocations {
  readonly #tenants = new Map<string, Revocation>()
  readonly #users = new Map<string, Revocation>()
  readonly #now: () => number
  #nextSweep = 0

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  get size(): number {
    return this.#tenants.size + this.#users.size
  }

  add(r: Revocation): void {
    // expired ones go at most once a minute, on the way in: the maps stay as small as the live set
    // plus one minute's additions, however many users and tenants were ever revoked
    const now = this.#now()
    if (now >= this.#nextSweep) {
      this.#nextSweep = now + 60_000
      this.entries()
    }
    const map = r.user === undefined ? this.#tenants : this.#users
    const key = r.user === undefined ? r.tenant : `${r.tenant}\0${r.user}`
    const current = map.get(key)
    map.set(key, current === undefined ? r : { ...r, before: Math.max(r.before, current.before), until: Math.max(r.until, current.until) })
  }

  isRevoked(p: { tenant: string; user: string; issuedAt?: number | null | undefined }): boolean {
    if (this.#tenants.size === 0 && this.#users.size === 0) return false
    const now = this.#now()
    for (const r of [this.#tenants.get(p.tenant), this.#users.get(`${p.tenant}\0${p.user}`)]) {
      if (r === undefined || r.until <= now) continue
      if (p.issuedAt === null || p.issuedAt === undefined || p.issuedAt < r.before) return true
    }
    return false
  }

  /** Live revocations; expired ones are dropped on the way. */
  entries(): Revocation[] {
    const now = this.#now()
    const out: Revocation[] = []
    for (const map of [this.#tenants, this.#users]) {
      for (const [key, r] of map) {
        if (r.until <= now) map.delete(key)
        else out.push(r)
      }
    }
    return out
  }
}

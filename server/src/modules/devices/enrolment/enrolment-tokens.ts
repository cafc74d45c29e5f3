import { createHash, randomBytes } from 'node:crypto'
import type { EnrolmentTokenRecord } from '@switchboard/shared'
import type { EnrolmentStore, EnrolmentTokenRow } from '../storage/stores.ts'

/** Who a valid token admits. */
export interface Admission {
  tenant: string
  tokenId: string
}

/** Token prefix: recognisable in a leaked config (and by secret scanners). */
const PREFIX = 'sbd_'
/** Reconnect storms (hundreds of plugs after a power cut) reuse a handful of tokens: keep valid lookups briefly. */
const CACHE_MS = 30_000
const CACHE_MAX = 1_000

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')

export function toTokenRecord(row: EnrolmentTokenRow): EnrolmentTokenRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    label: row.label,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  }
}

/**
 * Per-tenant enrolment tokens for the `/shelly` endpoint. A token is 256
 * random bits shown once; only its SHA-256 is stored, and neither is ever
 * logged. Verification is by hash lookup; revocation takes effect at once
 * (the cache entry goes with it) and the plugin closes live sockets; with
 * several instances the others drop theirs too (`forget`, cluster-sync.ts).
 */
export class EnrolmentTokens {
  readonly #store: EnrolmentStore
  readonly #cache = new Map<string, { admission: Admission; expiresAt: number | null; until: number }>()

  constructor(store: EnrolmentStore) {
    this.#store = store
  }

  async issue(input: { tenant: string; label: string | null; expiresInSeconds: number | undefined; createdBy: string }): Promise<{ row: EnrolmentTokenRow; token: string }> {
    const token = PREFIX + randomBytes(32).toString('base64url')
    const now = new Date()
    const row: EnrolmentTokenRow = {
      id: `et_${randomBytes(9).toString('base64url')}`,
      tenant: input.tenant,
      tokenHash: hashToken(token),
      label: input.label,
      createdBy: input.createdBy.slice(0, 128),
      createdAt: now,
      expiresAt: input.expiresInSeconds === undefined ? null : new Date(now.getTime() + input.expiresInSeconds * 1000),
      revokedAt: null,
      lastUsedAt: null,
    }
    await this.#store.create(row)
    return { row, token }
  }

  /** The tenant a token admits, or null (unknown, expired, revoked). A store failure also refuses. */
  async verify(token: string, now = Date.now()): Promise<Admission | null> {
    if (!token.startsWith(PREFIX)) return null
    const hash = hashToken(token)
    const cached = this.#cache.get(hash)
    if (cached !== undefined && cached.until > now && (cached.expiresAt === null || cached.expiresAt > now)) return cached.admission
    let row: EnrolmentTokenRow | null
    try {
      row = await this.#store.findByHash(hash)
    } catch {
      return null
    }
    if (row === null || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt.getTime() <= now)) {
      this.#cache.delete(hash)
      return null
    }
    const admission = { tenant: row.tenant, tokenId: row.id }
    if (this.#cache.size >= CACHE_MAX) this.#cache.clear()
    this.#cache.set(hash, { admission, expiresAt: row.expiresAt?.getTime() ?? null, until: now + CACHE_MS })
    this.#store.touch(row.id, new Date(now))
    return admission
  }

  list(tenant: string | undefined): Promise<EnrolmentTokenRow[]> {
    return this.#store.list(tenant)
  }

  get(id: string): Promise<EnrolmentTokenRow | null> {
    return this.#store.get(id)
  }

  async revoke(row: EnrolmentTokenRow): Promise<void> {
    await this.#store.revoke(row.id, new Date())
    this.#cache.delete(row.tokenHash)
  }

  /** Another instance revoked token `tokenId`: its cached admission goes, the next use asks the store. */
  forget(tokenId: string): void {
    for (const [hash, entry] of this.#cache) if (entry.admission.tokenId === tokenId) this.#cache.delete(hash)
  }
}

/**
 * The `server` value for the device's `Ws.SetConfig`: DEVICE_PUBLIC_URL when
 * set (http(s) becomes ws(s)), else the scheme and host the request came in on.
 */
export function enrolmentUrl(token: string, publicUrl: string, request: { protocol: string; host: string }): string {
  let base: string
  if (publicUrl) base = publicUrl.replace(/^http(s?):/i, 'ws$1:').replace(/\/+$/, '')
  else base = `${request.protocol === 'https' ? 'wss' : 'ws'}://${request.host}`
  return `${base}/shelly?token=${token}`
}

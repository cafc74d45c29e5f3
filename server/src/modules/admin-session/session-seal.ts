import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

/**
 * What the admin session cookie carries. The cookie is sealed (AES-256-GCM:
 * encrypted and authenticated), so the server keeps no session table: a
 * session survives a restart and works on every instance that shares the key,
 * and a tampered or foreign cookie simply fails to open.
 */
export interface SessionPayload {
  /** user (the token's `sub`) */
  sub: string
  tenant: string
  roles: string[]
  /** issued at, epoch ms */
  iat: number
  /** expires at, epoch ms; renewed (up to `cap`) on each `GET` */
  exp: number
  /** absolute end, epoch ms: the pasted token's own expiry, or `iat` + the maximum lifetime */
  cap: number
  /**
   * The pasted token, only when the server cannot sign tokens itself (public-key
   * verification): then it is the one the console uses for the socket and APIs.
   */
  tok?: string
}

const VERSION = 1
const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * The sealing key. Derived from the JWT secret when there is one, so that every
 * instance of a cluster opens every other's cookies; otherwise random per
 * process (sessions then end when the process does: documented).
 */
export function sessionKey(secret: string): Buffer {
  const ikm = secret.length > 0 ? Buffer.from(secret, 'utf8') : randomBytes(32)
  return Buffer.from(hkdfSync('sha256', ikm, 'switchboard', 'admin-session-v1', 32))
}

export function seal(payload: SessionPayload, key: Buffer): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()])
  return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]).toString('base64url')
}

/** The payload of a sealed value, or null when it is malformed, tampered with or sealed with another key. */
export function unseal(value: string, key: Buffer): SessionPayload | null {
  const raw = Buffer.from(value, 'base64url')
  if (raw.length <= 1 + IV_BYTES + TAG_BYTES || raw[0] !== VERSION) return null
  const iv = raw.subarray(1, 1 + IV_BYTES)
  const tag = raw.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv)
    decipher.setAuthTag(tag)
    const text = Buffer.concat([decipher.update(raw.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
    const parsed: unknown = JSON.parse(text)
    return isPayload(parsed) ? parsed : null
  } catch {
    return null
  }
}

function isPayload(v: unknown): v is SessionPayload {
  if (v === null || typeof v !== 'object') return false
  const p = v as Record<string, unknown>
  return (
    typeof p.sub === 'string' &&
    typeof p.tenant === 'string' &&
    Array.isArray(p.roles) &&
    p.roles.every((r) => typeof r === 'string') &&
    typeof p.iat === 'number' &&
    typeof p.exp === 'number' &&
    typeof p.cap === 'number' &&
    (p.tok === undefined || typeof p.tok === 'string')
  )
}

/** Reads one cookie from a `Cookie` header (RFC 6265 syntax; no dependency needed for one name). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1) continue
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * Upstream credentials at rest: AES-256-GCM with a random 96-bit IV per
 * value and the row's identity (account id and tenant) as associated data,
 * so a sealed token copied onto another row or tenant does not open.
 * Format: `v1.` + base64url(iv | tag | ciphertext).
 */
export class CredentialCipher {
  readonly #key: Buffer | null

  /** `key` null: no DEVICE_CREDENTIALS_KEY in production; every seal/open is refused. */
  constructor(key: Buffer | null) {
    if (key !== null && key.length !== 32) throw new RangeError('the credentials key must be 32 bytes')
    this.#key = key
  }

  get available(): boolean {
    return this.#key !== null
  }

  seal(plaintext: string, context: string): string {
    if (this.#key === null) throw new CredentialKeyMissingError()
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    cipher.setAAD(Buffer.from(context, 'utf8'))
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`
  }

  /** The plaintext, or null when the value was tampered with, sealed for another context or another key. */
  open(sealed: string, context: string): string | null {
    if (this.#key === null || !sealed.startsWith(`${VERSION}.`)) return null
    const raw = Buffer.from(sealed.slice(VERSION.length + 1), 'base64url')
    if (raw.length < IV_BYTES + TAG_BYTES) return null
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES))
      decipher.setAAD(Buffer.from(context, 'utf8'))
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
    } catch {
      return null
    }
  }
}

export class CredentialKeyMissingError extends Error {
  override name = 'CredentialKeyMissingError'
  constructor() {
    super('DEVICE_CREDENTIALS_KEY is not set: upstream credentials cannot be stored or used')
  }
}

/** What a sealed value is bound to. */
export const credentialContext = (accountId: string, tenant: string): string => `shelly-cloud-account\0${accountId}\0${tenant}`

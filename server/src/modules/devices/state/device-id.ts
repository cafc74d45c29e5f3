import { createHash } from 'node:crypto'
import type { DeviceSource } from '@switchboard/shared'

/**
 * A device's id is derived from (tenant, source, external id): the same
 * device gets the same id after a restart with or without a database, and a
 * device id claimed with another tenant's token is another device, never a
 * takeover. 22 base64url characters = 132 bits.
 */
export function deviceIdOf(tenant: string, source: DeviceSource, externalId: string): string {
  const digest = createHash('sha256').update(`${tenant}\0${source}\0${externalId}`).digest('base64url')
  return `dev_${digest.slice(0, 22)}`
}

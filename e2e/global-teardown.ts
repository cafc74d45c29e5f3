import { rm } from 'node:fs/promises'

/** Removes the server's throw-away data directory once the server has stopped. */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env.SB_E2E_DATA_DIR
  if (dir && dir.includes('switchboard-e2e-')) await rm(dir, { recursive: true, force: true })
}

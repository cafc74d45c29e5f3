import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { adminToken, ROOT, signIn, startServer } from './helpers.ts'
import { RESTART_PORT } from './ports.ts'

/**
 * This spec runs a server of its own so it can stop and restart it: the
 * console must say, unmistakably, that it is disconnected and when it retries,
 * then recover by itself once the server is back.
 */
test('the banner counts down while the server is away and goes once it is back', async ({ page }) => {
  const origin = `http://127.0.0.1:${RESTART_PORT}`
  let server = await startServer(RESTART_PORT)
  try {
    await signIn(page, adminToken(), origin)
    const state = page.getByTestId('link-state').first()
    const banner = page.getByTestId('reconnect-banner')
    await expect(banner).toHaveCount(0)

    await server.stop() // graceful: sockets closed with 1001
    await expect(banner).toBeVisible()
    await expect(banner).toContainText(/Disconnected — reconnecting (in \d+s|now…)/)
    await expect(banner).toContainText(/code 1001/)
    await expect(banner.getByRole('button', { name: 'Reconnect now' })).toBeVisible()
    await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'reconnect-banner-desktop.png') })
    await expect(state).not.toHaveAttribute('data-state', 'connected')

    server = await startServer(RESTART_PORT)
    await expect(state).toHaveAttribute('data-state', 'connected', { timeout: 20_000 })
    await expect(banner).toHaveCount(0)
    // The session survived the restart (a sealed cookie, not server memory): still signed in, no login form.
    await expect(page.getByRole('heading', { name: 'Connections' })).toBeVisible()
    await expect(page.getByLabel('Access token (JWT)')).toHaveCount(0)
  } finally {
    await server.stop()
  }
})

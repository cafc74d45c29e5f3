import { expect, test } from '@playwright/test'
import { SimulatedPlug } from '../server/src/modules/devices/simulator/simulated-plug.ts'
import { mintToken, signIn, unique } from './helpers.ts'
import { E2E_PORT } from './ports.ts'

/**
 * A simulated Shelly plug enrols on a tenant that admits nobody by itself:
 * the operator approves it, switches it on from the console, and watches its
 * power arrive live.
 */
test('a new plug is approved, switched on and reports power live', async ({ page, request }) => {
  const tenant = unique('plugs')
  const admin = mintToken({ sub: 'ops-admin', tenant, roles: ['admin'] })
  const auth = { authorization: `Bearer ${admin}` }
  const base = `http://127.0.0.1:${E2E_PORT}`

  const settings = await request.put(`${base}/api/devices/settings?tenant=${tenant}`, { headers: auth, data: { autoAdmit: false } })
  expect(settings.ok()).toBe(true)
  const enrol = await request.post(`${base}/api/devices/enrolment-tokens`, { headers: auth, data: { tenant, label: 'e2e' } })
  expect(enrol.status()).toBe(201)
  const { url } = (await enrol.json()) as { url: string }

  const mac = Array.from({ length: 12 }, () => '0123456789ABCDEF'[Math.floor(Math.random() * 16)]).join('')
  const plug = new SimulatedPlug({ url, mac, relayOn: false, loadWatts: 60 })
  await plug.connect()
  try {
    await signIn(page, admin)
    await page.getByRole('link', { name: 'Devices' }).first().click()
    const row = page.locator('[data-testid="devices-table"] tbody tr', { hasText: plug.src })
    await expect(row).toBeVisible()
    await expect(row).toContainText('pending')

    await row.getByRole('button', { name: 'Approve' }).click()
    await expect(row).not.toContainText('pending')
    const relay = row.getByRole('switch', { name: /^Relay of/ })
    await expect(relay).not.toBeChecked()
    await relay.click()
    await expect(relay).toBeChecked()
    await expect.poll(() => plug.relayOn).toBe(true)
    // The plug reports its new state; the console shows the power without a reload.
    await expect(row).toContainText(/(5[6-9]|6[0-4])\.\d W/)
  } finally {
    plug.close()
  }
})

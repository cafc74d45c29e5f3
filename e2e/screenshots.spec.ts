import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { SimulatedPlug } from '../server/src/modules/devices/simulator/simulated-plug.ts'
import { connectClient, mintToken, ROOT, signIn, unique, type TestClient } from './helpers.ts'
import { E2E_PORT } from './ports.ts'

/**
 * Screenshots of every page at laptop and phone width, for the README and
 * for review (docs/screenshots/). The server gets a few clients and events
 * first so the pages show what they look like in use.
 */
const OUT = join(ROOT, 'docs', 'screenshots')
const SIZES = { desktop: { width: 1440, height: 900 }, phone: { width: 390, height: 844 } } as const
const PAGES = [
  { path: 'connections', ready: (p: Page) => expect(p.getByTestId('connections-table')).toBeVisible() },
  { path: 'logs', ready: (p: Page) => expect(p.getByTestId('logs-table')).toBeVisible() },
  { path: 'metrics', ready: (p: Page) => expect(p.getByTestId('metric-cards')).toContainText(/Messages in\s*\d/, { timeout: 10_000 }) },
  { path: 'devices', ready: (p: Page) => expect(p.getByTestId('devices-table')).toBeVisible() },
  { path: 'broadcast', ready: (p: Page) => expect(p.getByTestId('arrivals').locator('.arrival').first()).toBeVisible() },
  { path: 'notifications', ready: (p: Page) => expect(p.getByTestId('notifications')).toBeVisible() },
] as const

test('screenshots of every page at desktop and phone width', async ({ browser, request }) => {
  test.setTimeout(180_000)
  await mkdir(OUT, { recursive: true })
  const clients: TestClient[] = []
  const plugs: SimulatedPlug[] = []
  const enrol = await request.post(`http://127.0.0.1:${E2E_PORT}/api/devices/enrolment-tokens`, {
    headers: { authorization: `Bearer ${mintToken({ sub: 'ops-admin', tenant: 'hq', roles: ['admin'] })}` },
    data: { label: 'screenshots' },
  })
  expect(enrol.status()).toBe(201)
  const { url } = (await enrol.json()) as { url: string }
  for (const [i, load] of [60, 1250, 8].entries()) {
    const plug = new SimulatedPlug({ url, mac: `A0B1C2D3E4F${i}`, relayOn: i !== 2, loadWatts: load })
    await plug.connect()
    plugs.push(plug)
  }
  const people = [
    { sub: 'maria.lopez', tenant: 'clinic-1', roles: ['reception'] },
    { sub: 'dr.ortega', tenant: 'clinic-1', roles: ['doctor', 'user'] },
    { sub: 'kiosk-03', tenant: 'clinic-2', roles: ['device'] },
    { sub: 'backoffice', tenant: 'clinic-2', roles: ['service'] },
  ]
  for (const who of people) {
    const c = await connectClient(E2E_PORT, who)
    c.ws.send(JSON.stringify({ type: 'subscribe', id: 's1', channels: ['agenda', 'devices'] }))
    clients.push(c)
  }
  try {
    for (const [size, viewport] of Object.entries(SIZES)) {
      const context = await browser.newContext({ viewport, colorScheme: size === 'phone' ? 'dark' : 'light', deviceScaleFactor: size === 'phone' ? 2 : 1 })
      const page = await context.newPage()
      await signIn(page, mintToken({ sub: 'ops-admin', tenant: 'hq', roles: ['admin'] }))
      // Give the pages something to show: a notification for the operator, an event on the Broadcast feed.
      await page.goto('/admin/notifications')
      await page.getByRole('button', { name: 'Send me a test' }).click()
      for (const target of PAGES) {
        await page.goto(`/admin/${target.path}`)
        if (target.path === 'broadcast') {
          await page.getByLabel('Title').fill(unique('Maintenance at 22:00'))
          await page.getByRole('button', { name: 'Send to everyone' }).click()
        }
        await target.ready(page)
        await page.waitForTimeout(target.path === 'metrics' ? 4500 : 400) // let charts gather a few points
        await page.screenshot({ path: join(OUT, `${target.path}-${size}.png`) })
      }
      await context.close()
    }
  } finally {
    for (const c of clients) c.close()
    for (const p of plugs) p.close()
  }
})

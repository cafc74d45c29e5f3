import { readFile } from 'node:fs/promises'
import { expect, test } from '@playwright/test'
import { LOG_EXPORT_COLUMNS } from '@switchboard/shared'
import { adminToken, connectClient, mintToken, signIn, unique } from './helpers.ts'
import { E2E_PORT } from './ports.ts'

test.describe('signing in', () => {
  test('a token without an admin role is refused; an admin token opens the console', async ({ page, context }) => {
    await page.goto('/admin/connections')
    await page.getByLabel('Access token (JWT)').fill(mintToken({ sub: 'plain', tenant: 'hq', roles: ['user'] }))
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect(page.getByRole('alert')).toContainText('no admin or tenant-admin role')

    await page.getByLabel('Access token (JWT)').fill(adminToken())
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect(page.getByRole('heading', { name: 'Connections' })).toBeVisible()
    await expect(page.getByTestId('principal')).toContainText('ops-admin')

    // The session is an httpOnly cookie; no token is left in the page's storage.
    const cookies = await context.cookies()
    const session = cookies.find((c) => c.name === 'sb_admin_session')
    expect(session?.httpOnly).toBe(true)
    expect(session?.sameSite).toBe('Strict')
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))
    expect(stored).not.toMatch(/eyJ/)

    // A reload keeps the session; signing out ends it.
    await page.reload()
    await expect(page.getByRole('heading', { name: 'Connections' })).toBeVisible()
    await page.getByRole('button', { name: 'Sign out' }).first().click()
    await expect(page.getByLabel('Access token (JWT)')).toBeVisible()
  })
})

test.describe('connections', () => {
  test('a ws client appears within a second, and disconnecting it from the UI closes it for good', async ({ page }) => {
    await signIn(page)
    const user = unique('e2e-client')
    const client = await connectClient(E2E_PORT, { sub: user, tenant: 'clinic-1', roles: ['user'] })
    await client.next('auth_success')

    const row = page.locator(`tr[data-connection-id="${client.connectionId}"]`)
    await expect(row).toBeVisible({ timeout: 1000 })
    await expect(row).toContainText(user)
    await expect(row).toContainText('clinic-1')
    await expect(row).toContainText('e2e-ws-client 1.0')

    // Search narrows the table to it.
    await page.getByTestId('connection-search').fill(user)
    await expect(page.locator('[data-testid="connections-table"] tbody tr')).toHaveCount(1)

    await row.getByRole('button', { name: `Disconnect ${user}` }).click()
    const dialog = page.getByRole('dialog')
    await expect(dialog).toContainText('Disconnect this client?')
    await dialog.getByRole('button', { name: 'Disconnect' }).click()

    const closed = await client.closed
    expect(closed.code).toBe(4004) // terminal: the client is told not to come back
    await expect(row).toHaveCount(0)
    await expect(page.getByTestId('empty-state')).toContainText('No connection matches your search')

    // The row is still in the registry, disconnected, with auto-reconnect off.
    await page.getByRole('radio', { name: 'Disconnected' }).click()
    await expect(row).toBeVisible()
    await expect(row).toHaveAttribute('data-status', 'disconnected')
    await expect(row.getByRole('switch')).not.toBeChecked()
  })

  test('restart keeps auto-reconnect on and the client is told to come back', async ({ page }) => {
    await signIn(page)
    const user = unique('e2e-restart')
    const client = await connectClient(E2E_PORT, { sub: user, tenant: 'clinic-1', roles: ['user'] })
    const row = page.locator(`tr[data-connection-id="${client.connectionId}"]`)
    await expect(row).toBeVisible()
    await row.getByRole('button', { name: `Restart ${user}` }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Restart' }).click()
    expect((await client.closed).code).toBe(4100)
    await expect(row).toHaveCount(0)
  })
})

test.describe('tenant admins', () => {
  test('a tenant admin sees and controls its own tenant only', async ({ page }) => {
    const mine = await connectClient(E2E_PORT, { sub: unique('e2e-mine'), tenant: 'clinic-9', roles: ['user'] })
    const theirs = await connectClient(E2E_PORT, { sub: unique('e2e-theirs'), tenant: 'clinic-8', roles: ['user'] })
    await signIn(page, mintToken({ sub: 'boss', tenant: 'clinic-9', roles: ['tenant-admin'] }))
    await expect(page.getByTestId('principal')).toContainText('tenant admin · clinic-9')
    await expect(page.locator(`tr[data-connection-id="${mine.connectionId}"]`)).toBeVisible()
    await page.getByRole('radio', { name: 'All' }).click()
    await expect(page.locator(`tr[data-connection-id="${mine.connectionId}"]`)).toBeVisible()
    await expect(page.locator(`tr[data-connection-id="${theirs.connectionId}"]`)).toHaveCount(0)
    await expect(page.locator('.toolbar').getByText('Tenant', { exact: true })).toHaveCount(0) // no tenant filter: there is only one
    mine.close()
    theirs.close()
  })
})

test.describe('logs', () => {
  test('filters by event and text, tails live entries with pause, and exports the filter as CSV', async ({ page }) => {
    await signIn(page)
    // Something to find: an operator action on a fresh client (written to the audit log).
    const user = unique('e2e-logs')
    const client = await connectClient(E2E_PORT, { sub: user, tenant: 'clinic-2', roles: ['user'] })
    await page.locator(`tr[data-connection-id="${client.connectionId}"]`).getByRole('switch').click()
    await page.getByRole('dialog').getByRole('button', { name: 'Change' }).click()
    await expect(page.getByText(/toggle|auto-reconnect/i).first()).toBeVisible()

    await page.getByRole('link', { name: 'Logs' }).first().click()
    await expect(page.getByRole('heading', { name: 'Logs' })).toBeVisible()
    const table = page.getByTestId('logs-table')
    await expect(table).toBeVisible()

    await page.getByLabel('Event').selectOption('action')
    await page.getByLabel('Connection').fill(client.connectionId)
    await page.getByLabel('Connection').press('Enter')
    await expect(page).toHaveURL(/eventType=action/)
    const rows = table.locator('tbody tr')
    await expect(rows).toHaveCount(1)
    await expect(rows.first()).toHaveAttribute('data-event', 'action')
    await expect(rows.first()).toContainText('ops-admin')

    // Live tail: entries stream in; paused, they are held and counted; resume shows them.
    await page.getByLabel('Event').selectOption('')
    await page.getByLabel('Connection').fill('')
    await page.getByLabel('Connection').press('Enter')
    const tail = page.getByTestId('live-tail')
    const other = await connectClient(E2E_PORT, { sub: unique('e2e-tail'), tenant: 'clinic-2', roles: ['user'] })
    await expect(tail.locator('.tail-item', { hasText: other.connectionId.slice(0, 5) }).first()).toBeVisible()
    await page.getByTestId('tail-pause').click()
    const before = await tail.locator('.tail-item').count()
    other.close()
    await expect(page.getByTestId('tail-resume')).toContainText(/Resume \(\d+\)/)
    expect(await tail.locator('.tail-item').count()).toBe(before)
    await page.getByTestId('tail-resume').click()
    await expect.poll(() => tail.locator('.tail-item').count()).toBeGreaterThan(before)

    // Export the current filter.
    await page.getByLabel('Event').selectOption('action')
    await expect(rows.first()).toHaveAttribute('data-event', 'action')
    const downloading = page.waitForEvent('download')
    await page.getByTestId('export-csv').click()
    const download = await downloading
    expect(download.suggestedFilename()).toMatch(/^websocket-logs-.*\.csv$/)
    const csv = await readFile((await download.path())!, 'utf8')
    const lines = csv.trim().split(/\r?\n/)
    expect(lines[0]).toBe(LOG_EXPORT_COLUMNS.join(','))
    expect(lines.length).toBeGreaterThan(1)
    const eventColumn = LOG_EXPORT_COLUMNS.indexOf('eventType')
    for (const line of lines.slice(1)) expect(line.split(',')[eventColumn]).toBe('action')
    expect(csv).toContain(client.connectionId)
    client.close()
  })
})

test.describe('broadcast', () => {
  test('a test broadcast and a catalogued event arrive live, here and at a client', async ({ page }) => {
    await signIn(page)
    const client = await connectClient(E2E_PORT, { sub: unique('e2e-listener'), tenant: 'hq', roles: ['user'] })
    await page.getByRole('link', { name: 'Broadcast' }).first().click()

    const title = unique('Drill')
    await page.getByLabel('Title').fill(title)
    await page.getByRole('button', { name: 'Send to everyone' }).click()
    const arrivals = page.getByTestId('arrivals')
    const arrived = arrivals.locator('.arrival', { hasText: title })
    await expect(arrived).toBeVisible()
    await expect(arrived).toContainText('yours')
    const atClient = await client.next('notification')
    expect((atClient.data as { title: string }).title).toBe(title)

    // Any catalogued event, from a form built from its schema.
    const form = page.getByTestId('publish-form')
    await form.getByLabel('Event type').selectOption('system_event')
    await form.getByLabel('level').selectOption('warning')
    const message = unique('disk almost full')
    await form.getByLabel(/^message/).fill(message)
    await form.getByRole('button', { name: 'Publish' }).click()
    await expect(arrivals.locator('.arrival[data-type="system_event"]', { hasText: message })).toBeVisible()
    const event = await client.next('system_event')
    expect(event.data).toEqual({ level: 'warning', message })

    // An operator-registered type (EVENT_SCHEMAS_FILE) is offered too, its form built from its own schema.
    await form.getByLabel('Event type').selectOption('invoice:paid')
    await form.getByLabel(/^invoiceId/).fill('F-2026-001')
    await form.getByLabel(/^amount/).fill('49.5')
    await form.getByRole('button', { name: 'Publish' }).click()
    await expect(arrivals.locator('.arrival[data-type="invoice:paid"]')).toBeVisible()
    expect((await client.next('invoice:paid')).data).toEqual({ invoiceId: 'F-2026-001', amount: 49.5 })

    // A missing field is caught in the form; data the schema refuses comes back from the server, nothing is sent.
    await form.getByLabel('Event type').selectOption('device-update')
    await form.getByRole('button', { name: 'Publish' }).click()
    await expect(form.locator('.field-error').first()).toContainText('required')
    await form.getByRole('radio', { name: 'JSON' }).click()
    await form.getByLabel('Event data as JSON').fill('{"deviceId": "plug-1"}')
    await form.getByRole('button', { name: 'Publish' }).click()
    await expect(form.locator('.server-errors')).toBeVisible()
    await expect(page.getByRole('status').filter({ hasText: 'Publish refused' })).toBeVisible()
    expect(client.frames.filter((f) => f.type === 'device-update')).toHaveLength(0)
    client.close()
  })
})

test.describe('notifications', () => {
  test('the unread badge follows new and read notifications live', async ({ page }) => {
    await signIn(page)
    await page.getByRole('link', { name: 'Notifications' }).first().click()
    const markAll = page.getByRole('button', { name: 'Mark all read' })
    if (await markAll.isEnabled()) await markAll.click()
    const badge = page.getByTestId('unread-badge').first()

    await page.getByRole('button', { name: 'Send me a test' }).click()
    await expect(badge).toHaveText('1')
    await expect(page.getByTestId('notifications').locator('.notification.unread')).toHaveCount(1)
    await page.getByRole('button', { name: 'Send me a test' }).click()
    await expect(badge).toHaveText('2')

    await page.getByRole('button', { name: /^Mark "Test notification" as read/ }).first().click()
    await expect(badge).toHaveText('1')
    await page.getByRole('button', { name: 'Mark all read' }).click()
    await expect(page.getByTestId('unread-badge')).toHaveCount(0)
  })
})

test.describe('metrics', () => {
  test('cards and charts fill from live samples', async ({ page }) => {
    await signIn(page)
    await page.getByRole('link', { name: 'Metrics' }).first().click()
    await expect(page.getByTestId('metric-cards')).toContainText('Connections')
    await expect(page.locator('.chart canvas')).toHaveCount(5)
    // After two samples the rates are numbers, not placeholders.
    await expect(page.getByTestId('metric-cards')).toContainText(/Messages in\s*\d/, { timeout: 8000 })
  })
})

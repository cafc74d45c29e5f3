import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from '@playwright/test'
import { E2E_PORT } from './ports.ts'

/**
 * End-to-end tests of the admin console in a real browser against a real
 * server on embedded defaults (PGlite in a throw-away data directory, memory
 * bus). Debian's Chromium when present (`.ci/run` installs it), Playwright's
 * own browser elsewhere.
 */
const root = fileURLToPath(new URL('..', import.meta.url))
const SYSTEM_CHROMIUM = '/usr/bin/chromium'

// The runner and its workers all load this file: create the data directory once and hand it down by env.
process.env.SB_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'switchboard-e2e-'))

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: join(root, 'test-results'),
  globalTeardown: './global-teardown.ts',
  // One server, one browser: the specs share the server's state, and the machine has two cores.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 5_000 },
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: existsSync(SYSTEM_CHROMIUM)
      ? {
          executablePath: SYSTEM_CHROMIUM,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            // no DNS lookups of Google hosts from a test run (STACK_NOTES)
            '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
          ],
        }
      : {},
  },
  webServer: {
    command: 'npm run -s build:admin -- --logLevel error && node server/src/main.ts',
    cwd: root,
    url: `http://127.0.0.1:${E2E_PORT}/health`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(E2E_PORT),
      HOST: '127.0.0.1',
      DATA_DIR: process.env.SB_E2E_DATA_DIR,
      LOG_LEVEL: 'warn',
      // the registry writes in batches; a short flush keeps "appears within a second" honest on a slow CI box
      WRITER_FLUSH_MS: '100',
      HEARTBEAT_INTERVAL_MS: '5000',
      // an operator-registered event type: the Broadcast form must offer it (GET /api/catalog)
      EVENT_SCHEMAS_FILE: join(root, 'e2e/fixtures/event-schemas.json'),
    },
  },
})

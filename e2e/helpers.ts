import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac, randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { expect, type Page } from '@playwright/test'
import WebSocket from 'ws'
import { DEV_JWT_SECRET } from '../server/src/config.ts'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** An HS256 token signed with the development secret the e2e server runs with. */
export function mintToken(claims: { sub: string; tenant: string; roles: string[] }, ttlSeconds = 3600): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...claims, iat: now, exp: now + ttlSeconds })}`
  return `${body}.${createHmac('sha256', DEV_JWT_SECRET).update(body).digest('base64url')}`
}

export const adminToken = () => mintToken({ sub: 'ops-admin', tenant: 'hq', roles: ['admin'] })

export const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`

/** Signs in through the login form, as an operator would (on `origin`, default the suite's server). */
export async function signIn(page: Page, token = adminToken(), origin = ''): Promise<void> {
  await page.goto(`${origin}/admin/`)
  await page.getByLabel('Access token (JWT)').fill(token)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByTestId('link-state').first()).toHaveAttribute('data-state', 'connected', { timeout: 10_000 })
}

export interface TestClient {
  ws: WebSocket
  connectionId: string
  frames: { type: string; [k: string]: unknown }[]
  closed: Promise<{ code: number; reason: string }>
  /** Resolves with the first push of this type. */
  next(type: string, timeoutMs?: number): Promise<{ type: string; data?: unknown; [k: string]: unknown }>
  close(): void
}

/** A plain `ws` client authenticated at the upgrade (reference 002's style), answering the server's pings. */
export async function connectClient(port: number, claims: { sub: string; tenant: string; roles: string[] }): Promise<TestClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/connect?token=${encodeURIComponent(mintToken(claims))}`, {
    headers: { 'user-agent': 'e2e-ws-client/1.0' },
  })
  const frames: TestClient['frames'] = []
  const waiters: { type: string; resolve: (f: TestClient['frames'][number]) => void }[] = []
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  ws.on('message', (raw) => {
    const frame = JSON.parse(raw.toString()) as TestClient['frames'][number]
    frames.push(frame)
    if (frame.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }))
    for (const w of waiters.filter((w) => w.type === frame.type)) {
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve(frame)
    }
  })
  const next = (type: string, timeoutMs = 5000) => {
    const seen = frames.find((f) => f.type === type)
    if (seen) return Promise.resolve(seen)
    return new Promise<TestClient['frames'][number]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} frame within ${timeoutMs} ms`)), timeoutMs)
      waiters.push({ type, resolve: (f) => (clearTimeout(timer), resolve(f)) })
    })
  }
  const welcome = await next('welcome')
  return { ws, connectionId: String(welcome.connectionId), frames, closed, next, close: () => ws.close() }
}

export interface ServerProcess {
  port: number
  stop(): Promise<void>
}

/** A server of the test's own (for the restart test): no database, so it boots in a moment. */
export async function startServer(port: number, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['server/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_ENABLED: 'false', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`)
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`server on ${port} exited with ${child.exitCode}`)
    if (Date.now() > deadline) throw new Error(`server on ${port} did not start`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

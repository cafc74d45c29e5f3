import { SimulatedPlug, type SimulatedPlugOptions } from '../../../src/modules/devices/simulator/simulated-plug.ts'
import { RawClient, sleep, type Frame } from '../../helpers/raw-client.ts'
import { startServer, type TestServer } from '../../helpers/server.ts'

type Teardown = { teardown(fn: () => unknown): void }

/** A memory-mode server (no database) with device settings short enough for tests. */
export async function deviceServer(t: Teardown, env: Record<string, string> = {}): Promise<TestServer> {
  return startServer(t, { DEVICE_COMMAND_TIMEOUT_MS: '300', ...env })
}

export async function api(s: TestServer, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.http}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

export const operator = (tenant: string) => ({ sub: `op-${tenant}`, tenant, roles: ['tenant-admin'] })

/** An enrolment URL for `tenant` (as a tenant admin would get it). */
export async function enrol(s: TestServer, tenant: string): Promise<string> {
  const res = await api(s, s.token(operator(tenant)), 'POST', '/api/devices/enrolment-tokens', { label: 'test' })
  if (res.status !== 201) throw new Error(`enrolment failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.url as string
}

let macSeq = 0
/** A connected simulated plug; closed by the test's teardown. */
export async function plug(t: Teardown, url: string, opts: Partial<SimulatedPlugOptions> = {}): Promise<SimulatedPlug> {
  const p = new SimulatedPlug({ url, mac: `ccddee${(++macSeq).toString(16).padStart(6, '0')}`, ...opts })
  await p.connect()
  t.teardown(() => p.terminate())
  return p
}

/** A client of `tenant` authenticated at the upgrade, receiving its tenant's pushes. */
export async function tenantClient(t: Teardown, s: TestServer, tenant: string, roles: string[] = ['staff']): Promise<RawClient> {
  const c = await RawClient.open(`${s.ws}/ws/connect?token=${s.token({ sub: `u-${tenant}`, tenant, roles })}`)
  await c.next('auth_success')
  t.teardown(() => c.close())
  return c
}

/** Waits (bounded) until `probe` holds; never a timing assertion. */
export async function until(probe: () => boolean, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!probe()) {
    if (Date.now() > deadline) return false
    await sleep(5)
  }
  return true
}

export const isPush = (type: string, deviceId?: string) => (f: Frame) => f.type === type && (deviceId === undefined || f.data?.deviceId === deviceId)
export { sleep }

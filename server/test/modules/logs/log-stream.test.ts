import { Counter, Registry } from 'prom-client'
import t from 'tap'
import { LogStream, eventTypeFor, type Publish } from '../../../src/modules/logs/log-stream.ts'
import type { ServiceLogDraft } from '../../../src/modules/logs/service-log.repository.ts'

function setup(opts: { maxPerSecond?: number; publish?: Publish; store?: (d: ServiceLogDraft) => boolean } = {}) {
  const registry = new Registry()
  const metrics = {
    published: new Counter({ name: 'p', help: 'p', labelNames: ['source'], registers: [registry] }),
    dropped: new Counter({ name: 'd', help: 'd', labelNames: ['reason'], registers: [registry] }),
  }
  const published: Array<Parameters<Publish>[0]> = []
  const stored: ServiceLogDraft[] = []
  let now = 1_000_000
  const stream = new LogStream({
    publish: opts.publish ?? (async (input) => void published.push(input)),
    store: opts.store ?? ((d) => (stored.push(d), true)),
    maxPerSecond: opts.maxPerSecond ?? 100,
    metrics,
    now: () => now,
  })
  return { stream, published, stored, registry, advance: (ms: number) => (now += ms) }
}

const value = async (registry: Registry, name: string, label: Record<string, string>) =>
  (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(label).every(([k, x]) => v.labels[k] === x))?.value ?? 0

const entry = (level: 'debug' | 'info' | 'warning' | 'error', message = 'm') => ({ timestamp: '2026-01-01T00:00:00Z', level, service: 'api', message })

t.test('each level becomes its event type', async (t) => {
  t.equal(eventTypeFor('error'), 'log:error')
  t.equal(eventTypeFor('warning'), 'log:warning')
  t.equal(eventTypeFor('info'), 'log:entry')
  t.equal(eventTypeFor('debug'), 'log:entry')
})

t.test('ingested entries are stored and published on the tenant logs channel', async (t) => {
  const { stream, published, stored } = setup()
  const result = stream.ingest('t1', [entry('error', 'boom'), entry('info')])
  t.same(result, { accepted: 2, dropped: 0 })
  t.same(stored.map((s) => s.tenant), ['t1', 't1'])
  t.same(published[0], { type: 'log:error', data: entry('error', 'boom'), target: { kind: 'channel', tenant: 't1', channel: 'logs' } })
  t.equal(published[1]!.type, 'log:entry')
})

t.test('entries the store refuses are reported as dropped (still streamed)', async (t) => {
  const { stream, published } = setup({ store: () => false })
  t.same(stream.ingest('t1', [entry('info')]), { accepted: 0, dropped: 1 })
  t.equal(published.length, 1)
})

t.test('publishing is capped per second; the excess is counted', async (t) => {
  const { stream, published, stored, registry, advance } = setup({ maxPerSecond: 3 })
  stream.ingest('t1', Array.from({ length: 5 }, () => entry('info')))
  t.equal(stored.length, 5, 'all stored')
  t.equal(published.length, 3, 'only the cap published')
  t.equal(await value(registry, 'd', { reason: 'rate' }), 2)
  advance(1000)
  stream.ingest('t1', [entry('info')])
  t.equal(published.length, 4, 'a new second, a new allowance')
})

t.test('a failing publish is counted, not thrown or logged', async (t) => {
  const { stream, registry } = setup({ publish: () => Promise.reject(new Error('bus down')) })
  t.doesNotThrow(() => stream.ingest('t1', [entry('error')]))
  await new Promise((r) => setImmediate(r))
  t.equal(await value(registry, 'd', { reason: 'publish' }), 1)
})

t.test('a connection event streams as a gateway entry with its connection id', async (t) => {
  const { stream, published, stored } = setup()
  stream.connectionEntry({ connectionId: 'c1', tenant: null, eventType: 'disconnect', level: 'warning', message: 'closed 4102', metadata: { code: 4102 }, createdAt: '2026-01-01T00:00:00Z' })
  t.equal(stored.length, 0, 'already stored in websocket_log')
  t.same(published[0], {
    type: 'log:warning',
    data: { timestamp: '2026-01-01T00:00:00Z', level: 'warning', service: 'gateway', context: 'disconnect', message: 'closed 4102', metadata: { connectionId: 'c1', eventType: 'disconnect', code: 4102 } },
    target: { kind: 'channel', tenant: '_system', channel: 'logs' },
  })
})

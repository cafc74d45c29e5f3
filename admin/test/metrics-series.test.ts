import t from 'tap'
import { MetricsSeries, rate, scrapeOf, type Scrape } from '../src/lib/metrics-series.ts'
import { parsePrometheus } from '../src/lib/prometheus.ts'

const scrape = (patch: Partial<Scrape>): Scrape => ({
  at: 0,
  instance: 'a',
  connections: 0,
  messagesIn: 0,
  messagesOut: 0,
  errors: 0,
  heartbeatTimeouts: 0,
  latency: null,
  ...patch,
})

t.test('rates come from consecutive scrapes of one instance', async (t) => {
  const s = new MetricsSeries()
  const first = s.add(scrape({ at: 0, messagesIn: 100, messagesOut: 1000 }))
  t.equal(first.inRate, null, 'no rate from a single scrape')
  const second = s.add(scrape({ at: 2000, messagesIn: 120, messagesOut: 1400, errors: 2, connections: 7 }))
  t.equal(second.inRate, 10)
  t.equal(second.outRate, 200)
  t.equal(second.errorRate, 1)
  t.equal(second.connections, 7)
})

t.test('a counter reset (restarted instance) gives a gap, not a negative rate', async (t) => {
  t.equal(rate(500, 3, 2), null)
  t.equal(rate(1, 3, 0), null)
  const s = new MetricsSeries()
  s.add(scrape({ at: 0, messagesIn: 500 }))
  t.equal(s.add(scrape({ at: 1000, messagesIn: 3 })).inRate, null)
  t.equal(s.add(scrape({ at: 2000, messagesIn: 13 })).inRate, 10)
})

t.test('two instances: totals add up, scrapes of one never difference against the other', async (t) => {
  const s = new MetricsSeries()
  s.add(scrape({ at: 0, instance: 'a', messagesIn: 0, connections: 3 }))
  s.add(scrape({ at: 500, instance: 'b', messagesIn: 1000, connections: 5 }))
  s.add(scrape({ at: 1000, instance: 'a', messagesIn: 10, connections: 4 }))
  const p = s.add(scrape({ at: 1500, instance: 'b', messagesIn: 1020, connections: 6 }))
  t.equal(p.instances, 2)
  t.equal(p.connections, 10)
  t.equal(p.inRate, 30, 'a: 10/s, b: 20/s')
  t.same(s.instances(1500).map((i) => i.instance), ['a', 'b'])
})

t.test('a silent instance leaves the totals', async (t) => {
  const s = new MetricsSeries(300, 10_000)
  s.add(scrape({ at: 0, instance: 'gone', connections: 50 }))
  const p = s.add(scrape({ at: 20_000, instance: 'a', connections: 1 }))
  t.equal(p.connections, 1)
  t.equal(p.instances, 1)
})

t.test('latency quantiles are per interval and in milliseconds', async (t) => {
  const s = new MetricsSeries()
  s.add(scrape({ at: 0, latency: [[0.001, 100], [0.01, 100], [Infinity, 100]] }))
  const p = s.add(scrape({ at: 1000, latency: [[0.001, 100], [0.01, 200], [Infinity, 200]] }))
  t.ok(p.p50 !== null && p.p50 > 1 && p.p50 <= 10, `only this interval's observations (p50 ${p.p50} ms)`)
})

t.test('capacity bounds the points; columns are uPlot-shaped', async (t) => {
  const s = new MetricsSeries(3)
  for (let i = 0; i < 5; i++) s.add(scrape({ at: i * 1000, connections: i }))
  t.equal(s.points.length, 3)
  t.same(s.columns(['connections']), [[2, 3, 4], [2, 3, 4]])
})

t.test('a scrape reads the server metric names', async (t) => {
  const m = parsePrometheus(
    [
      'switchboard_ws_connections{state="authenticated"} 2',
      'switchboard_ws_messages_in_total{type="ping"} 5',
      'switchboard_ws_messages_out_total{type="notification"} 9',
      'switchboard_ws_errors_total{code="RATE_LIMITED"} 1',
      'switchboard_ws_timeouts_total{kind="heartbeat"} 4',
      'switchboard_ws_timeouts_total{kind="auth"} 8',
      'switchboard_publish_to_send_seconds_bucket{le="+Inf"} 3',
    ].join('\n'),
  )
  t.match(scrapeOf(m, 'i1', 42), { at: 42, instance: 'i1', connections: 2, messagesIn: 5, messagesOut: 9, errors: 1, heartbeatTimeouts: 4, latency: [[Infinity, 3]] })
})

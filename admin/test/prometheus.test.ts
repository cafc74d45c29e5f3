import t from 'tap'
import { bucketsDelta, bucketsOf, parsePrometheus, quantile, sumBy, sumOf } from '../src/lib/prometheus.ts'

const TEXT = `# HELP switchboard_ws_messages_in_total Client frames accepted, by type
# TYPE switchboard_ws_messages_in_total counter
switchboard_ws_messages_in_total{type="ping"} 10
switchboard_ws_messages_in_total{type="subscribe"} 3
switchboard_ws_connections{state="authenticated"} 4
switchboard_ws_connections{state="unauthenticated"} 1
switchboard_ws_timeouts_total{kind="heartbeat"} 2
switchboard_ws_timeouts_total{kind="auth"} 5
weird_label{path="a\\"b\\\\c"} 1 1700000000000
switchboard_publish_to_send_seconds_bucket{le="0.001"} 50
switchboard_publish_to_send_seconds_bucket{le="0.01"} 90
switchboard_publish_to_send_seconds_bucket{le="0.1"} 100
switchboard_publish_to_send_seconds_bucket{le="+Inf"} 100
switchboard_publish_to_send_seconds_sum 0.4
switchboard_publish_to_send_seconds_count 100
not a metric line
`

t.test('parses samples, labels, escapes and timestamps; skips comments and junk', async (t) => {
  const m = parsePrometheus(TEXT)
  t.equal(sumOf(m, 'switchboard_ws_messages_in_total'), 13)
  t.equal(sumOf(m, 'switchboard_ws_connections', { state: 'authenticated' }), 4)
  t.equal(sumOf(m, 'switchboard_ws_timeouts_total', { kind: 'heartbeat' }), 2)
  t.same(sumBy(m, 'switchboard_ws_messages_in_total', 'type'), { ping: 10, subscribe: 3 })
  t.same(m.get('weird_label'), [{ labels: { path: 'a"b\\c' }, value: 1 }])
  t.equal(sumOf(m, 'absent_metric'), null)
})

t.test('quantiles interpolate inside the bucket, like histogram_quantile', async (t) => {
  const b = bucketsOf(parsePrometheus(TEXT), 'switchboard_publish_to_send_seconds')
  t.ok(b)
  if (!b) return
  t.same(b.map(([le]) => le), [0.001, 0.01, 0.1, Infinity])
  t.equal(quantile(b, 0.5), 0.001, 'rank 50 is the top of the first bucket')
  t.ok(Math.abs((quantile(b, 0.7) ?? 0) - 0.0055) < 1e-9, 'rank 70: halfway through 0.001..0.01')
  t.ok(Math.abs((quantile(b, 0.99) ?? 0) - 0.091) < 1e-9)
  t.equal(quantile([[1, 0], [Infinity, 0]], 0.5), null, 'no observations, no quantile')
  t.equal(quantile([[1, 0], [Infinity, 4]], 0.5), 1, 'all beyond the last bound: the last finite bound')
})

t.test('interval buckets subtract the previous scrape; a reset takes the new one as is', async (t) => {
  t.same(bucketsDelta([[1, 5], [Infinity, 6]], [[1, 7], [Infinity, 10]]), [[1, 2], [Infinity, 4]])
  t.same(bucketsDelta([[1, 50], [Infinity, 60]], [[1, 1], [Infinity, 1]]), [[1, 1], [Infinity, 1]])
  t.same(bucketsDelta(null, [[1, 1]]), [[1, 1]])
})

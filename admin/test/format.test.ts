import t from 'tap'
import {
  formatBytes,
  formatCount,
  formatDateTime,
  formatDuration,
  formatLatency,
  formatRate,
  formatRelative,
  summarizeUserAgent,
  truncateMiddle,
} from '../src/lib/format.ts'

t.test('durations show their two most significant units', async (t) => {
  t.equal(formatDuration(0), '0s')
  t.equal(formatDuration(45_900), '45s')
  t.equal(formatDuration(3 * 60_000 + 2_000), '3m 02s')
  t.equal(formatDuration(2 * 3600_000 + 5 * 60_000), '2h 05m')
  t.equal(formatDuration(3 * 86_400_000 + 4 * 3600_000 + 59_000), '3d 4h')
  t.equal(formatDuration(-5), '0s', 'a negative span (clock skew) reads as zero')
})

t.test('relative times count back, or forward for the future', async (t) => {
  const now = Date.parse('2026-11-23T10:00:00Z')
  t.equal(formatRelative('2026-11-23T10:00:00Z', now), 'just now')
  t.equal(formatRelative('2026-11-23T09:59:48Z', now), '12s ago')
  t.equal(formatRelative('2026-11-23T09:55:00Z', now), '5m ago')
  t.equal(formatRelative('2026-11-23T07:00:00Z', now), '3h ago')
  t.equal(formatRelative('2026-11-21T10:00:00Z', now), '2d ago')
  t.equal(formatRelative(now + 5_000, now), 'in 5s')
  t.equal(formatRelative(null, now), '—')
  t.equal(formatRelative('yesterday-ish', now), '—')
})

t.test('counts, rates and latencies are compact', async (t) => {
  t.equal(formatCount(999), '999')
  t.equal(formatCount(1234), '1.2k')
  t.equal(formatCount(34_567), '35k')
  t.equal(formatCount(1_250_000), '1.3M')
  t.equal(formatCount(999_999), '1M', 'rounds into the next unit instead of printing 1000k')
  t.equal(formatCount(-1500), '-1.5k')
  t.equal(formatCount(null), '—')
  t.equal(formatRate(0), '0/s')
  t.equal(formatRate(0.42), '0.4/s')
  t.equal(formatRate(12.4), '12/s')
  t.equal(formatRate(1530), '1.5k/s')
  t.equal(formatLatency(0.42), '0.42 ms')
  t.equal(formatLatency(3.25), '3.3 ms')
  t.equal(formatLatency(12.4), '12 ms')
  t.equal(formatLatency(1250), '1.3 s')
  t.equal(formatLatency(null), '—')
  t.equal(formatBytes(512), '512 B')
  t.equal(formatBytes(2048), '2 KiB')
  t.equal(formatBytes(1.5 * 1024 * 1024), '1.5 MiB')
})

t.test('date-times are zero-padded', async (t) => {
  t.equal(formatDateTime('2026-01-02T03:04:05Z', true), '2026-01-02 03:04:05')
  t.equal(formatDateTime('nope', true), '—')
})

t.test('long ids keep both ends', async (t) => {
  t.equal(truncateMiddle('abcdef', 10), 'abcdef')
  t.equal(truncateMiddle('0123456789abcdef', 9), '0123…cdef')
  t.equal(truncateMiddle('0123456789abcdef', 9).length, 9)
})

t.test('user agents become short labels', async (t) => {
  t.equal(
    summarizeUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36'),
    'Chrome 156 · Linux',
  )
  t.equal(summarizeUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:130.0) Gecko/20100101 Firefox/130.0'), 'Firefox 130 · macOS')
  t.equal(
    summarizeUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'),
    'Safari 17 · iOS',
  )
  t.equal(
    summarizeUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0'),
    'Edge 126 · Windows',
  )
  t.equal(summarizeUserAgent('curl/8.5.0'), 'curl 8.5')
  t.equal(summarizeUserAgent(null), '—')
  t.equal(summarizeUserAgent(''), '—')
})

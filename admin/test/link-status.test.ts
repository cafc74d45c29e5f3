import t from 'tap'
import { announcementOf, bannerFor, describeClose, INITIAL_GRACE_MS, type LinkStatus } from '../src/lib/link-status.ts'

const NOW = 1_000_000
const base: LinkStatus = {
  state: 'connected',
  everConnected: true,
  reconnectAt: null,
  attempt: 0,
  since: NOW,
  lastClose: null,
  online: true,
}
const at = (patch: Partial<LinkStatus>) => ({ ...base, ...patch })

t.test('no banner while connected', async (t) => {
  t.equal(bannerFor(base, NOW), null)
})

t.test('a quick first connection shows no banner; a slow one says it is connecting', async (t) => {
  const first = at({ state: 'connecting', everConnected: false, since: NOW })
  t.equal(bannerFor(first, NOW + INITIAL_GRACE_MS - 1), null)
  t.match(bannerFor(first, NOW + INITIAL_GRACE_MS), { tone: 'info', title: 'Connecting to the server…', action: null })
})

t.test('a lost connection counts down to the next attempt in whole seconds', async (t) => {
  const s = at({ state: 'reconnecting', reconnectAt: NOW + 4_200, attempt: 1, lastClose: { code: 1001, reason: 'server shutting down' } })
  const b = bannerFor(s, NOW)
  t.match(b, { tone: 'warning', title: 'Disconnected — reconnecting in 5s', secondsLeft: 5, action: 'retry' })
  t.match(b?.detail, /Server shutting down; reconnect to another instance \(code 1001\)/)
  t.equal(bannerFor(s, NOW + 1_300)?.title, 'Disconnected — reconnecting in 3s')
  t.equal(bannerFor(s, NOW + 4_100)?.title, 'Disconnected — reconnecting in 1s')
  t.equal(bannerFor(s, NOW + 4_200)?.title, 'Disconnected — reconnecting now…')
  t.equal(bannerFor(s, NOW + 9_000)?.secondsLeft, 0, 'never a negative countdown')
})

t.test('later attempts say which attempt it is', async (t) => {
  const b = bannerFor(at({ state: 'reconnecting', reconnectAt: NOW + 1000, attempt: 3, lastClose: { code: 1006, reason: '' } }), NOW)
  t.equal(b?.detail, 'Connection lost without a close frame (code 1006) Attempt 3.')
})

t.test('while the next attempt is under way the banner stays up', async (t) => {
  for (const state of ['connecting', 'authenticating'] as const) {
    t.match(bannerFor(at({ state, lastClose: { code: 1006, reason: '' } }), NOW), { tone: 'warning', title: 'Disconnected — reconnecting now…' })
  }
})

t.test('offline says so instead of counting down', async (t) => {
  const b = bannerFor(at({ state: 'reconnecting', reconnectAt: NOW + 3000, online: false }), NOW)
  t.match(b, { title: 'Disconnected — you are offline', secondsLeft: null })
})

t.test('a credential close asks for a new sign-in', async (t) => {
  for (const code of [4001, 4005, 4104]) {
    t.match(bannerFor(at({ state: 'closed', lastClose: { code, reason: 'x' } }), NOW), { tone: 'error', action: 'login' }, `code ${code}`)
  }
})

t.test('another terminal close, or giving up, offers a manual retry', async (t) => {
  t.match(bannerFor(at({ state: 'closed', lastClose: { code: 4004, reason: 'stopped' } }), NOW), {
    tone: 'error',
    title: 'Disconnected — the server will not take this connection back',
    action: 'retry',
  })
  const gaveUp = bannerFor(at({ state: 'closed', lastClose: { code: 1006, reason: 'gave up after 10 reconnect attempts (x)' } }), NOW)
  t.match(gaveUp, { title: 'Disconnected — no longer retrying', detail: 'gave up after 10 reconnect attempts (x)', action: 'retry' })
})

t.test('close codes are described from the shared table', async (t) => {
  t.equal(describeClose(null), null)
  t.equal(describeClose({ code: 4100, reason: '' }), 'Restarted by an operator; reconnect now (code 4100)')
  t.equal(describeClose({ code: 3999, reason: 'custom' }), 'Custom (code 3999)')
})

t.test('screen readers hear the state once, without the ticking countdown', async (t) => {
  const s = at({ state: 'reconnecting', reconnectAt: NOW + 4_200, attempt: 1, lastClose: { code: 1001, reason: '' } })
  const early = bannerFor(s, NOW)
  const later = bannerFor(s, NOW + 2_000)
  const now = bannerFor(s, NOW + 5_000)
  t.ok(early && later && now)
  if (!early || !later || !now) return
  t.not(early.title, later.title, 'the visible text ticks')
  t.equal(announcementOf(early), 'Disconnected — reconnecting')
  t.equal(announcementOf(later), announcementOf(early), 'the announcement does not')
  t.equal(announcementOf(now), announcementOf(early))
})

import t from 'tap'
import { EMPTY_FILTER, filterFromSearch, filterToSearch, matchesLive, toQuery, toSearch } from '../src/lib/log-filters.ts'

const NOW = Date.parse('2026-11-23T12:00:00Z')

t.test('an empty filter asks for the last 24 hours', async (t) => {
  t.same(toQuery(EMPTY_FILTER, NOW), { query: { from: '2026-11-22T12:00:00.000Z' }, error: null })
})

t.test('every field maps to its API parameter, trimmed', async (t) => {
  const { query } = toQuery(
    { ...EMPTY_FILTER, eventType: 'action', level: 'error', tenant: ' clinic-1 ', connectionId: 'c1', text: ' stop ', range: '15m' },
    NOW,
  )
  t.same(query, { eventType: 'action', level: 'error', tenant: 'clinic-1', connectionId: 'c1', q: 'stop', from: '2026-11-23T11:45:00.000Z' })
  t.equal(toSearch(query), '?connectionId=c1&eventType=action&from=2026-11-23T11%3A45%3A00.000Z&level=error&q=stop&tenant=clinic-1')
  t.equal(toSearch({}), '')
})

t.test('"all time" sends no bound; a custom range sends both and is checked', async (t) => {
  t.same(toQuery({ ...EMPTY_FILTER, range: 'all' }, NOW).query, {})
  const custom = toQuery({ ...EMPTY_FILTER, range: 'custom', from: '2026-11-20T08:00', to: '2026-11-21T08:00' }, NOW)
  t.equal(custom.error, null)
  t.ok(custom.query.from && custom.query.to && custom.query.from < custom.query.to)
  t.equal(toQuery({ ...EMPTY_FILTER, range: 'custom', from: '2026-11-21T08:00', to: '2026-11-20T08:00' }, NOW).error, 'The start time is after the end time')
  t.equal(toQuery({ ...EMPTY_FILTER, range: 'custom', from: 'garbage' }, NOW).error, 'The start time is not valid')
})

t.test('the filter survives a round trip through the page URL; junk values are ignored', async (t) => {
  const f = { ...EMPTY_FILTER, eventType: 'connect' as const, level: 'warning' as const, text: 'x', range: '1h' as const }
  const params = new URLSearchParams(Object.entries(filterToSearch(f)).filter((e): e is [string, string] => e[1] !== undefined))
  t.same(filterFromSearch(params), f)
  t.same(filterFromSearch(new URLSearchParams('level=loud&eventType=x&range=forever')), EMPTY_FILTER)
})

t.test('the live tail applies the same filter', async (t) => {
  const entry = { level: 'info', tenant: 'clinic-1', connectionId: 'c1', eventType: 'connect', message: 'Client connected' }
  t.ok(matchesLive(entry, EMPTY_FILTER))
  t.ok(matchesLive(entry, { ...EMPTY_FILTER, text: 'CONNECTED', connectionId: 'c1' }))
  t.notOk(matchesLive(entry, { ...EMPTY_FILTER, level: 'error' }))
  t.notOk(matchesLive(entry, { ...EMPTY_FILTER, eventType: 'disconnect' }))
  t.notOk(matchesLive(entry, { ...EMPTY_FILTER, tenant: 'clinic-2' }))
})

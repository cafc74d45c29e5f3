import type { ConnectionRecord } from '@switchboard/shared'
import t from 'tap'
import { countByStatus, expect, filterConnections, overlay, settle, sortConnections } from '../src/lib/connections-view.ts'

const row = (id: string, patch: Partial<ConnectionRecord> = {}): ConnectionRecord => ({
  id,
  type: 'CLIENT',
  referenceId: id,
  status: 'connected',
  autoReconnect: true,
  lastPingAt: null,
  errorMessage: null,
  metadata: null,
  user: `user-${id}`,
  tenant: 'clinic-1',
  roles: ['user'],
  ip: '127.0.0.1',
  userAgent: 'node',
  origin: null,
  instanceId: 'i1',
  connectedAt: '2026-11-23T10:00:00.000Z',
  authenticatedAt: null,
  disconnectedAt: null,
  closeCode: null,
  closeReason: null,
  messagesIn: 0,
  messagesOut: 0,
  subscriptions: [],
  live: true,
  createdAt: '2026-11-23T10:00:00.000Z',
  updatedAt: '2026-11-23T10:00:00.000Z',
  ...patch,
})

const rows = [
  row('c1', { user: 'alice', tenant: 'clinic-1', roles: ['admin'], subscriptions: ['logs'] }),
  row('c2', { user: 'bob', tenant: 'clinic-2', status: 'disconnected', messagesIn: 9 }),
  row('c3', { user: 'Carol', tenant: 'clinic-1', userAgent: 'Mozilla/5.0 Firefox/130.0', messagesIn: 3 }),
]

t.test('search matches every word anywhere, case-insensitively', async (t) => {
  t.same(filterConnections(rows, { search: 'clinic-1', status: '' }).map((r) => r.id), ['c1', 'c3'])
  t.same(filterConnections(rows, { search: 'CAROL firefox', status: '' }).map((r) => r.id), ['c3'])
  t.same(filterConnections(rows, { search: 'logs', status: '' }).map((r) => r.id), ['c1'], 'subscriptions are searched')
  t.same(filterConnections(rows, { search: 'admin clinic-2', status: '' }), [])
  t.same(filterConnections(rows, { search: '  ', status: 'disconnected' }).map((r) => r.id), ['c2'])
})

t.test('sorting by a column, with the id as tie-breaker', async (t) => {
  t.same(sortConnections(rows, { key: 'messagesIn', dir: 'desc' }).map((r) => r.id), ['c2', 'c3', 'c1'])
  t.same(sortConnections(rows, { key: 'user', dir: 'asc' }).map((r) => r.id), ['c1', 'c2', 'c3'])
  t.same(sortConnections(rows, { key: 'connectedAt', dir: 'asc' }).map((r) => r.id), ['c1', 'c2', 'c3'])
})

t.test('a live event ahead of the registry keeps asking for a refetch until the page shows it', async (t) => {
  let e = expect(new Map(), 'c9', true)
  e = expect(e, 'c1', false)
  t.same([...settle(e, rows)], [['c9', true], ['c1', false]], 'neither is reflected yet')
  const later = [row('c9'), row('c1', { status: 'disconnected' })]
  t.equal(settle(e, later).size, 0, 'both reflected')
  t.equal(settle(expect(new Map(), 'c1', false), []).size, 0, 'a row gone from the page counts as gone')
})

t.test('a row the events say is gone shows disconnected before its record catches up', async (t) => {
  const shown = overlay(rows, expect(new Map(), 'c1', false))
  t.equal(shown[0]?.status, 'disconnected')
  t.equal(shown[2]?.status, 'connected')
  t.equal(rows[0]?.status, 'connected', 'the fetched rows are not mutated')
  t.equal(filterConnections(shown, { search: '', status: 'connected' }).length, 1)
})

t.test('counts per status', async (t) => {
  t.same(countByStatus(rows), { connected: 2, disconnected: 1, error: 0, reconnecting: 0 })
})

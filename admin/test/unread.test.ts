import t from 'tap'
import { allRead, badgeText, created, EMPTY_UNREAD, fromServer, removed } from '../src/lib/unread.ts'

t.test('created adds one, once per id; an already-read one adds nothing', async (t) => {
  let s = created(EMPTY_UNREAD, { id: 'n1' })
  s = created(s, { id: 'n1' })
  t.equal(s.count, 1)
  t.equal(created(s, { id: 'n2', readAt: '2026-01-01T00:00:00Z' }).count, 1)
})

t.test('read or deleted takes one away, once, and never below zero', async (t) => {
  let s = fromServer(2, ['a', 'b'])
  s = removed(s, 'a')
  s = removed(s, 'a')
  t.equal(s.count, 1)
  t.equal(removed(s, 'unknown').count, 1)
  t.equal(removed(fromServer(0, ['x']), 'x').count, 0)
  t.equal(allRead().count, 0)
})

t.test('badge text', async (t) => {
  t.equal(badgeText(0), '')
  t.equal(badgeText(7), '7')
  t.equal(badgeText(100), '99+')
})

import t from 'tap'
import { clear, emptyTail, pause, push, resume } from '../src/lib/live-tail.ts'

t.test('entries arrive newest first and the oldest fall off past the limit', async (t) => {
  let s = emptyTail<number>()
  for (let i = 1; i <= 5; i++) s = push(s, i, 3)
  t.same(s.items, [5, 4, 3])
  t.equal(s.discarded, 2)
})

t.test('paused, the list stands still and arrivals are held and counted', async (t) => {
  let s = push(emptyTail<number>(), 1, 10)
  s = pause(s)
  s = push(push(s, 2, 10), 3, 10)
  t.same(s.items, [1], 'nothing moves while paused')
  t.same(s.held, [3, 2])
  s = resume(s, 10)
  t.same(s.items, [3, 2, 1], 'resume catches up in one step, in order')
  t.same(s.held, [])
  t.equal(s.paused, false)
})

t.test('held entries are bounded too', async (t) => {
  let s = pause(emptyTail<number>())
  for (let i = 1; i <= 6; i++) s = push(s, i, 4)
  t.same(s.held, [6, 5, 4, 3])
  t.equal(s.discarded, 2)
  s = resume(push(pause(resume(s, 4)), 7, 4), 4)
  t.same(s.items, [7, 6, 5, 4])
})

t.test('pause and resume are idempotent; clear empties both lists', async (t) => {
  const s = pause(push(emptyTail<string>(), 'a', 5))
  t.equal(pause(s), s)
  const r = resume(s, 5)
  t.equal(resume(r, 5), r)
  t.same(clear(push(s, 'b', 5)), { items: [], held: [], paused: true, discarded: 0 })
})

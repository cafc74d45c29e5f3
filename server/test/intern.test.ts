import t from 'tap'
import { InternTable, StringTable } from '../src/intern.ts'

t.test('the first value kept for a key is the one every later caller gets', async (t) => {
  const table = new InternTable<string[]>(10, 100)
  const first = ['a']
  t.equal(table.intern('k', first), first)
  t.equal(table.intern('k', ['a']), first, 'a later equal value gets the kept one')
  t.equal(table.lookup('k'), first)
  t.equal(table.lookup('other'), undefined)
  t.equal(table.size, 1, 'lookup keeps nothing')
})

t.test('bounded in entries and in key length: past either, values pass through unkept', async (t) => {
  const table = new InternTable<object>(2, 5)
  const a = {}
  const b = {}
  table.intern('a', a)
  table.intern('b', b)
  const c = {}
  t.equal(table.intern('c', c), c, 'a value past the cap is used as it is')
  t.not(table.intern('c', {}), c, '...and not kept')
  t.equal(table.size, 2)
  t.equal(table.intern('a', {}), a, 'kept values stay shared')
  const long = new InternTable<object>(10, 5)
  const v = {}
  t.equal(long.intern('123456', v), v)
  t.equal(long.size, 0, 'a key longer than the bound is not kept')
})

t.test('StringTable.of passes undefined through and keeps strings', async (t) => {
  const strings = new StringTable(10, 10)
  t.equal(strings.of(undefined), undefined)
  t.equal(strings.of('origin'), 'origin')
  t.equal(strings.size, 1)
  t.equal(strings.of('x'.repeat(11)), 'x'.repeat(11))
  t.equal(strings.size, 1, 'too long to keep')
})

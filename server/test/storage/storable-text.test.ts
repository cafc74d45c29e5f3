import t from 'tap'
import { storableJson, storableText } from '../../src/storage/storable-text.ts'

t.test('a NUL becomes U+FFFD; text without one is returned as is', async (t) => {
  t.equal(storableText('bye\u0000'), 'bye\uFFFD')
  t.equal(storableText('a\u0000\u0000b'), 'a\uFFFD\uFFFDb')
  t.equal(storableText('plain'), 'plain')
})

t.test('a JSON value is cleaned in keys and nested values, and left untouched when clean', async (t) => {
  t.same(storableJson({ message: 'a\u0000b', metadata: { 'k\u0000': ['v\u0000', 1, null, { deep: '\u0000' }] } }), {
    message: 'a\uFFFDb',
    metadata: { 'k\uFFFD': ['v\uFFFD', 1, null, { deep: '\uFFFD' }] },
  })
  const clean = { message: 'ok', metadata: { n: 1 } }
  t.equal(storableJson(clean), clean, 'the same object: nothing allocated')
})

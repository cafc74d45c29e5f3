import t from 'tap'
import { readCookie, seal, sessionKey, unseal, type SessionPayload } from '../../../src/modules/admin-session/session-seal.ts'

const payload: SessionPayload = { sub: 'u1', tenant: 't1', roles: ['admin'], iat: 1, exp: 2, cap: 3 }

t.test('a sealed payload opens with the same key', async (t) => {
  const key = sessionKey('secret-a')
  t.same(unseal(seal(payload, key), key), payload)
})

t.test('keys derived from the same secret are equal, so every instance opens every cookie', async (t) => {
  t.same(unseal(seal(payload, sessionKey('shared')), sessionKey('shared')), payload)
})

t.test('a payload sealed with another key does not open', async (t) => {
  t.equal(unseal(seal(payload, sessionKey('secret-a')), sessionKey('secret-b')), null)
})

t.test('an empty secret gives a random key per call', async (t) => {
  t.equal(unseal(seal(payload, sessionKey('')), sessionKey('')), null)
})

t.test('a tampered value does not open', async (t) => {
  const key = sessionKey('secret-a')
  const raw = Buffer.from(seal(payload, key), 'base64url')
  raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1
  t.equal(unseal(raw.toString('base64url'), key), null)
})

t.test('garbage and truncated values do not open', async (t) => {
  const key = sessionKey('secret-a')
  t.equal(unseal('', key), null)
  t.equal(unseal('not-base64-at-all!!', key), null)
  t.equal(unseal(seal(payload, key).slice(0, 20), key), null)
})

t.test('two seals of the same payload differ (fresh IV each time)', async (t) => {
  const key = sessionKey('secret-a')
  t.not(seal(payload, key), seal(payload, key))
})

t.test('readCookie finds one cookie among several', async (t) => {
  t.equal(readCookie('a=1; sb=two; c=3', 'sb'), 'two')
  t.equal(readCookie('sbx=1; xsb=2', 'sb'), undefined)
  t.equal(readCookie(undefined, 'sb'), undefined)
  t.equal(readCookie('novalue; sb=v=with=equals', 'sb'), 'v=with=equals')
})

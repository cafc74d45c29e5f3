import { randomBytes } from 'node:crypto'
import t from 'tap'
import { CredentialCipher, CredentialKeyMissingError, credentialContext } from '../../../../src/modules/devices/cloud/credential-cipher.ts'
import { DEV_DEVICE_CREDENTIALS_KEY, decodeKey, loadConfig } from '../../../../src/config.ts'

t.test('a sealed token opens only with the same key and the same row', async (t) => {
  const key = randomBytes(32)
  const cipher = new CredentialCipher(key)
  const context = credentialContext('sca_1', 'clinic-1')
  const sealed = cipher.seal('access-token-123', context)
  t.match(sealed, /^v1\.[A-Za-z0-9_-]+$/)
  t.notMatch(sealed, /access-token/)
  t.not(cipher.seal('access-token-123', context), sealed, 'a fresh IV every time')
  t.equal(cipher.open(sealed, context), 'access-token-123')
  t.equal(cipher.open(sealed, credentialContext('sca_1', 'clinic-2')), null, 'another tenant')
  t.equal(cipher.open(sealed, credentialContext('sca_2', 'clinic-1')), null, 'another row')
  t.equal(new CredentialCipher(randomBytes(32)).open(sealed, context), null, 'another key')
  const raw = Buffer.from(sealed.slice(3), 'base64url')
  raw[raw.length - 1]! ^= 1
  t.equal(cipher.open(`v1.${raw.toString('base64url')}`, context), null, 'tampered')
  t.equal(cipher.open('v0.abc', context), null)
})

t.test('without a key nothing is sealed or opened', async (t) => {
  const cipher = new CredentialCipher(null)
  t.notOk(cipher.available)
  t.throws(() => cipher.seal('x', 'c'), CredentialKeyMissingError)
  t.equal(cipher.open('v1.AAAA', 'c'), null)
})

t.test('DEVICE_CREDENTIALS_KEY: development default outside production, refused in production, validated', async (t) => {
  t.equal(loadConfig({}).DEVICE_CREDENTIALS_KEY, DEV_DEVICE_CREDENTIALS_KEY)
  t.ok(decodeKey(DEV_DEVICE_CREDENTIALS_KEY))
  const prod = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), ALLOWED_ORIGINS: 'https://a' }
  t.throws(() => loadConfig({ ...prod, DEVICE_CREDENTIALS_KEY: DEV_DEVICE_CREDENTIALS_KEY }), /development key/)
  t.equal(loadConfig(prod).DEVICE_CREDENTIALS_KEY, '', 'unset in production stays unset (credentials unavailable)')
  const key = randomBytes(32)
  t.equal(loadConfig({ ...prod, DEVICE_CREDENTIALS_KEY: key.toString('base64') }).DEVICE_CREDENTIALS_KEY, key.toString('base64'))
  t.throws(() => loadConfig({ DEVICE_CREDENTIALS_KEY: 'too-short' }), /32 bytes/)
  t.same(decodeKey(key.toString('hex')), key)
  t.same(decodeKey(key.toString('base64url')), key)
})

t.test('DEVICE_AUTO_ADMIT defaults to on in development and off in production', async (t) => {
  t.equal(loadConfig({}).deviceAutoAdmit, true)
  t.equal(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), ALLOWED_ORIGINS: 'https://a' }).deviceAutoAdmit, false)
  t.equal(loadConfig({ DEVICE_AUTO_ADMIT: 'false' }).deviceAutoAdmit, false)
})

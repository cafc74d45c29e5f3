import t from 'tap'
import { ConfigError, DEV_JWT_SECRET, loadConfig } from '../src/config.ts'

t.test('defaults need no configuration and use the development secret', async (t) => {
  const c = loadConfig({})
  t.equal(c.PORT, 3000)
  t.equal(c.HEARTBEAT_INTERVAL_MS, 30_000)
  t.equal(c.WS_MAX_MESSAGES_PER_MINUTE, 60)
  t.equal(c.MAX_FRAME_BYTES, 65_536)
  t.equal(c.JWT_SECRET, DEV_JWT_SECRET)
  t.equal(c.allowedOrigins, '*')
})

t.test('values are converted and checked', async (t) => {
  const c = loadConfig({ PORT: '4000', TRUST_PROXY: 'true', ALLOWED_ORIGINS: 'https://a.example, https://b.example' })
  t.equal(c.PORT, 4000)
  t.equal(c.TRUST_PROXY, true)
  t.same(c.allowedOrigins, ['https://a.example', 'https://b.example'])
  t.throws(() => loadConfig({ PORT: 'abc' }), ConfigError)
  t.throws(() => loadConfig({ JWT_ALGORITHMS: 'none' }), /unsupported algorithm/)
  t.throws(() => loadConfig({ JWT_ALGORITHMS: 'RS256' }), /JWT_PUBLIC_KEY is required/)
})

t.test('production refuses to start without JWT_SECRET, with insecure defaults or without an origin list', async (t) => {
  t.throws(() => loadConfig({ NODE_ENV: 'production' }), /JWT_SECRET .* required in production/)
  t.throws(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: DEV_JWT_SECRET, ALLOWED_ORIGINS: 'https://a' }), /development secret/)
  t.throws(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short', ALLOWED_ORIGINS: 'https://a' }), /at least 32/)
  t.throws(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }), /ALLOWED_ORIGINS/)
  const ok = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), ALLOWED_ORIGINS: 'https://a' })
  t.equal(ok.isProduction, true)
})

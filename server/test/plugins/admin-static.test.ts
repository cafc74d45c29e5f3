import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import t, { type Test } from 'tap'
import adminStatic from '../../src/plugins/admin-static.ts'

const INDEX = '<!doctype html><title>console</title><script type="module" src="/admin/assets/app-abc123.js"></script>'

async function bundle(t: Test): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'sb-admin-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  await mkdir(join(root, 'assets'))
  await writeFile(join(root, 'index.html'), INDEX)
  await writeFile(join(root, 'assets', 'app-abc123.js'), 'console.log(1)')
  await writeFile(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  return root
}

async function build(t: Test, root: string) {
  const app = Fastify({ logger: false })
  await app.register(adminStatic, { root })
  app.get('/api/ping', async () => ({ ok: true }))
  await app.ready()
  t.teardown(() => app.close())
  return app
}

t.test('serves index.html at /admin and /admin/ with no-cache and a strict CSP', async (t) => {
  const app = await build(t, await bundle(t))
  for (const url of ['/admin', '/admin/']) {
    const res = await app.inject({ url, headers: { host: 'hub.example:3000' } })
    t.equal(res.statusCode, 200, url)
    t.equal(res.body, INDEX)
    t.match(res.headers['content-type'], /text\/html/)
    t.equal(res.headers['cache-control'], 'no-cache')
    t.match(res.headers['content-security-policy'], /script-src 'self'/)
    t.match(res.headers['content-security-policy'], /connect-src 'self' ws:\/\/hub\.example:3000 wss:\/\/hub\.example:3000/)
    t.equal(res.headers['x-content-type-options'], 'nosniff')
  }
})

t.test('serves fingerprinted assets with an immutable year-long cache', async (t) => {
  const app = await build(t, await bundle(t))
  const res = await app.inject('/admin/assets/app-abc123.js')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'console.log(1)')
  t.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable')
  const icon = await app.inject('/admin/favicon.svg')
  t.equal(icon.statusCode, 200)
  t.equal(icon.headers['cache-control'], 'no-cache', 'files outside assets/ are not fingerprinted')
})

t.test('client-side routes fall back to index.html', async (t) => {
  const app = await build(t, await bundle(t))
  for (const url of ['/admin/connections', '/admin/logs?level=error', '/admin/deep/nested/route']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.body, INDEX, url)
  }
})

t.test('a missing file is a 404, not the HTML shell', async (t) => {
  const app = await build(t, await bundle(t))
  const res = await app.inject('/admin/assets/gone-999.js')
  t.equal(res.statusCode, 404)
  t.notMatch(res.body, /<!doctype/i)
})

t.test('no path escapes the bundle folder', async (t) => {
  const app = await build(t, await bundle(t))
  const res = await app.inject('/admin/..%2f..%2fetc%2fpasswd')
  t.not(res.statusCode, 500)
  t.notMatch(res.body, /root:/)
})

t.test('routes outside the prefix are untouched', async (t) => {
  const app = await build(t, await bundle(t))
  t.same((await app.inject('/api/ping')).json(), { ok: true })
  const missing = await app.inject('/nope')
  t.equal(missing.statusCode, 404)
  t.notMatch(missing.body, /<!doctype/i)
  t.equal(missing.headers['content-security-policy'], undefined)
})

t.test('without a bundle, /admin explains how to build it', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'sb-admin-empty-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  const app = await build(t, root)
  for (const url of ['/admin', '/admin/', '/admin/connections']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 503, url)
    t.match(res.body, /npm run build:admin/)
  }
})

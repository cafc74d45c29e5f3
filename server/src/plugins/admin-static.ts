import { existsSync } from 'node:fs'
import { join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

export interface AdminStaticOptions {
  /** The built console; default `admin/dist` of this checkout (`npm run build:admin`). */
  root?: string
  /** URL prefix; default `/admin` (Vite's `base` must match). */
  prefix?: string
}

const DEFAULT_ROOT = fileURLToPath(new URL('../../../admin/dist', import.meta.url))

/**
 * The console's own pages get a strict policy: scripts only from this origin,
 * sockets only back to this host. Inline styles stay allowed because Solid
 * writes `style` attributes from templates.
 */
function securityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const host = request.headers.host ?? ''
  const sockets = host ? ` ws://${host} wss://${host}` : ''
  reply.header(
    'content-security-policy',
    [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      `connect-src 'self'${sockets}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "object-src 'none'",
    ].join('; '),
  )
  reply.header('x-content-type-options', 'nosniff')
  reply.header('referrer-policy', 'no-referrer')
}

const notBuiltPage = (prefix: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Switchboard admin: not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2937}
code{background:#f3f4f6;padding:.1rem .35rem;border-radius:.25rem}</style></head>
<body><h1>The admin console is not built</h1>
<p>This server serves the console from <code>admin/dist</code> at <code>${prefix}</code>, and that folder has no bundle yet.</p>
<p>Build it with <code>npm run build:admin</code> and reload this page, or run <code>npm run dev</code> for the
development server with hot reload (it proxies the API to this server).</p></body></html>`

/**
 * Serves the admin SPA: hashed assets with a year-long cache, `index.html` for
 * every other path under the prefix (client-side routes), a 404 for a missing
 * file (a missing script must not come back as HTML), and a page explaining how
 * to build the console when the bundle is missing.
 */
async function adminStatic(app: FastifyInstance, opts: AdminStaticOptions): Promise<void> {
  const root = opts.root ?? DEFAULT_ROOT
  const prefix = (opts.prefix ?? '/admin').replace(/\/+$/, '')
  const built = existsSync(join(root, 'index.html'))
  if (!built) app.log.warn({ root }, `admin console not built: ${prefix} explains how (npm run build:admin)`)

  await app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request, reply) => securityHeaders(request, reply))

      if (!built) {
        const notBuilt = async (_request: FastifyRequest, reply: FastifyReply) =>
          reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(notBuiltPage(prefix))
        scope.get('/', notBuilt)
        scope.get('/*', notBuilt)
        return
      }

      await scope.register(fastifyStatic, {
        root,
        prefix: '/',
        index: 'index.html',
        cacheControl: false,
        setHeaders(reply, path) {
          // Vite fingerprints everything under assets/; index.html must be re-checked on every load.
          reply.header('cache-control', path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache')
        },
      })

      scope.setNotFoundHandler(async (request, reply) => {
        const path = request.url.split('?')[0] ?? ''
        const last = path.slice(path.lastIndexOf('/') + 1)
        if (request.method !== 'GET' && request.method !== 'HEAD') {
          return reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: 'Not found' })
        }
        if (last.includes('.')) return reply.code(404).type('text/plain; charset=utf-8').send('Not found')
        reply.header('cache-control', 'no-cache')
        return reply.sendFile('index.html')
      })
    },
    { prefix },
  )
}

export default fp(adminStatic, { name: 'switchboard-admin-static', fastify: '5.x' })

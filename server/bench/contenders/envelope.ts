import type { IncomingMessage, ServerResponse } from 'node:http'
import { verifyJwt } from '../jwt.ts'

/**
 * The publish endpoint of the bench's own contenders (raw `ws`, Socket.IO):
 * the same request Switchboard's `POST /api/publish` takes (service JWT,
 * `{type, tenant, channel, data}`) and the same push envelope it sends
 * (`{type, id, ts, channel, data}`), so all contenders move the same bytes.
 */
export interface Envelope {
  type: string
  id: string
  ts: string
  channel: string
  data: unknown
}

export const CHANNEL_RE = /^[a-z0-9][a-z0-9_.:/-]{0,127}$/
const MAX_BODY = 262_144

let seq = 0
const prefix = `${process.pid.toString(36)}-`

/**
 * Authenticates and parses one publish request. Answers the error itself and
 * returns undefined when the request is refused.
 */
export async function readPublish(req: IncomingMessage, res: ServerResponse, secret: string): Promise<Envelope | undefined> {
  const auth = req.headers.authorization
  const claims = auth?.startsWith('Bearer ') ? verifyJwt(auth.slice(7), secret) : undefined
  if (!claims || !claims.roles.includes('service')) {
    res.writeHead(401).end('{"error":"unauthorized"}')
    return undefined
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) {
      res.writeHead(413).end()
      return undefined
    }
    chunks.push(chunk)
  }
  let body: { type?: unknown; channel?: unknown; data?: unknown }
  try {
    body = JSON.parse(Buffer.concat(chunks).toString()) as typeof body
  } catch {
    res.writeHead(400).end('{"error":"malformed JSON"}')
    return undefined
  }
  if (typeof body.type !== 'string' || typeof body.channel !== 'string' || !CHANNEL_RE.test(body.channel)) {
    res.writeHead(400).end('{"error":"type and channel required"}')
    return undefined
  }
  return { type: body.type, id: prefix + ++seq, ts: new Date().toISOString(), channel: body.channel, data: body.data }
}

export function answerPublished(res: ServerResponse, env: Envelope, delivered: number): void {
  const body = `{"id":"${env.id}","delivered":${delivered}}`
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body)
}

export const BENCH_SECRET_ENV = 'BENCH_JWT_SECRET'

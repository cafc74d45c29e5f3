import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RawData, WebSocket } from 'ws'
import { IpRateLimiter } from '../../../realtime/ip-rate-limit.ts'
import type { DeviceMetrics } from '../device-metrics.ts'
import type { Admission, EnrolmentTokens } from '../enrolment/enrolment-tokens.ts'
import type { DeviceIngress } from './device-ingress.ts'
import type { DeviceLink } from './device-session.ts'

export interface ShellyGatewayOptions {
  ingress: DeviceIngress
  enrolment: EnrolmentTokens
  metrics: DeviceMetrics
  /** Refused upgrades (bad or missing token) an address may make per minute before it gets 429. */
  failedUpgradesPerMinute: number
}

const TEXT = { binary: false } as const

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8')
}

/** The ws socket behind a session; every call is safe on a socket that is already closing. */
function linkOf(socket: WebSocket): DeviceLink {
  return {
    send(text) {
      if (socket.readyState !== 1) return false
      socket.send(text, TEXT)
      return true
    },
    ping() {
      if (socket.readyState === 1) socket.ping()
    },
    close(code, reason) {
      try {
        socket.close(code, reason.slice(0, 120))
      } catch {
        socket.terminate()
      }
    },
    terminate() {
      socket.terminate()
    },
    isClosed: () => socket.readyState === 3,
  }
}

/**
 * `GET /shelly?token=`: the endpoint Shelly Gen2+ devices connect to as
 * WebSocket clients (`Ws.SetConfig`). The only devices file that knows
 * Fastify sockets and ws. A device cannot send headers, so the enrolment
 * token rides in the query string (redacted from every log line by the app's
 * request serializer); a bad one is refused before the upgrade (401), and an
 * address that keeps failing gets 429.
 */
export async function shellyGateway(app: FastifyInstance, opts: ShellyGatewayOptions): Promise<void> {
  const { ingress, enrolment, metrics } = opts
  const admissions = new WeakMap<FastifyRequest, Admission>()
  const failures = new IpRateLimiter(opts.failedUpgradesPerMinute)
  const blockedUntil = new Map<string, number>()

  app.get(
    '/shelly',
    {
      websocket: true,
      preValidation: async (request, reply) => {
        const now = Date.now()
        const until = blockedUntil.get(request.ip)
        if (until !== undefined && until > now) {
          metrics.upgradesRefused.inc({ reason: 'rate_limited' })
          return reply.code(429).header('retry-after', '60').send({ statusCode: 429, code: 'RATE_LIMITED', error: 'Too Many Requests', message: 'Too many refused device connections from this address' })
        }
        const token = (request.query as { token?: unknown }).token
        const admission = typeof token === 'string' && token.length > 0 && token.length <= 256 ? await enrolment.verify(token) : null
        if (admission === null) {
          metrics.upgradesRefused.inc({ reason: typeof token === 'string' && token.length > 0 ? 'bad_token' : 'no_token' })
          if (!failures.take(request.ip, now)) {
            if (blockedUntil.size >= 10_000) for (const [ip, t] of blockedUntil) if (t <= now) blockedUntil.delete(ip)
            blockedUntil.set(request.ip, now + 60_000)
          }
          return reply.code(401).send({ statusCode: 401, code: 'AUTH_FAILED', error: 'Unauthorized', message: 'A valid enrolment token is required: /shelly?token=...' })
        }
        admissions.set(request, admission)
      },
    },
    (socket, request) => {
      const admission = admissions.get(request)!
      const session = ingress.opened(linkOf(socket), { tenant: admission.tenant, tokenId: admission.tokenId, remoteAddress: request.ip })
      const log = request.log
      // A throw in a ws listener would reach the process; here it only costs this socket.
      const guard = (what: string, fn: () => void) => {
        try {
          fn()
        } catch (err) {
          log.error({ err, session: session.id }, `device ${what} handler failed`)
          socket.terminate()
        }
      }
      socket.on('message', (data, isBinary) => guard('message', () => ingress.message(session, isBinary ? null : textOf(data))))
      socket.on('pong', () => guard('pong', () => ingress.pong(session)))
      socket.on('error', (err) => log.debug({ err, session: session.id }, 'device socket error'))
      socket.on('close', (code) => guard('close', () => ingress.closed(session, code)))
    },
  )
}

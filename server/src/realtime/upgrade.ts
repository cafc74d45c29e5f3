import type { ErrorCode } from '@switchboard/shared'
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * The HTTP side of a client's WebSocket upgrade, for the gateway, which takes
 * the client endpoints' upgrades before Fastify's router does (gateway.ts says
 * why): which listener gets an upgrade, the client's address, the `token`
 * query parameter, and refusals written on the raw socket.
 */

export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void
/** A diverted upgrade, with the path it was diverted for (the URL without its query). */
export type DivertedUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, path: string) => void

/**
 * Upgrades to `paths` go to `take`; every other upgrade goes to the listeners
 * the server had until now (@fastify/websocket's, which routes it through
 * Fastify: the device gateway). Listeners added later see every upgrade.
 */
export function divertUpgrades(server: Server, paths: ReadonlySet<string>, take: DivertedUpgrade): void {
  const routed = server.listeners('upgrade') as UpgradeListener[]
  server.removeAllListeners('upgrade')
  server.on('upgrade', function (this: Server, req: IncomingMessage, socket: Duplex, head: Buffer) {
    const path = pathOf(req.url ?? '/')
    if (paths.has(path)) return take(req, socket, head, path)
    for (const listener of routed) listener.call(this, req, socket, head)
  })
}

export function pathOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/**
 * The `token` query parameter of a request URL (its first, as URLSearchParams
 * reads it), or undefined when absent or empty. A query with no `%` or `+` has
 * nothing to decode, and a JWT (base64url and dots) never needs either: it is
 * read in place, without building the whole parameter list per connection.
 */
export function tokenOf(url: string): string | undefined {
  const q = url.indexOf('?')
  if (q === -1) return undefined
  if (url.indexOf('%', q) !== -1 || url.indexOf('+', q) !== -1) {
    const token = new URLSearchParams(url.slice(q + 1)).get('token')
    return token === null || token.length === 0 ? undefined : token
  }
  for (let start = q + 1; start < url.length; ) {
    const amp = url.indexOf('&', start)
    const end = amp === -1 ? url.length : amp
    if (url.startsWith('token', start) && (end === start + 5 || url.charCodeAt(start + 5) === 61 /* = */)) {
      return end > start + 6 ? url.slice(start + 6, end) : undefined
    }
    start = end + 1
  }
  return undefined
}

/**
 * The client's address as Fastify's `request.ip` gives it: behind a trusted
 * proxy (TRUST_PROXY), the first (client-most) X-Forwarded-For entry; else the
 * socket's peer. `upgrade.test.ts` checks the two agree.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for']
    if (typeof forwarded === 'string') {
      const comma = forwarded.indexOf(',')
      const first = (comma === -1 ? forwarded : forwarded.slice(0, comma)).trim()
      if (first.length > 0) return first
    }
  }
  return req.socket.remoteAddress ?? ''
}

/**
 * Refuses an upgrade with an HTTP error in the same JSON shape as the API's
 * (`statusCode`, `code`, `error`, `message`), then closes the socket once it
 * is written, as ws does for a bad handshake.
 */
export function refuseUpgrade(socket: Duplex, status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const error = STATUS_CODES[status] ?? 'Error'
  const body = JSON.stringify({ statusCode: status, code, error, message })
  let head = `HTTP/1.1 ${status} ${error}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`
  // Node's HTTP server stops watching a socket's errors when it hands it to 'upgrade'
  socket.on('error', () => socket.destroy())
  socket.once('finish', () => socket.destroy())
  socket.end(`${head}\r\n${body}`)
}

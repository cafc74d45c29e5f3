import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import net from 'node:net'
import Fastify from 'fastify'
import t from 'tap'
import { clientAddress, divertUpgrades, pathOf, refuseUpgrade, tokenOf } from '../../src/realtime/upgrade.ts'
import { rawUpgrade } from '../helpers/raw-upgrade.ts'

t.test('clientAddress agrees with Fastify request.ip, with and without a trusted proxy', async (t) => {
  for (const trustProxy of [false, true]) {
    const app = Fastify({ trustProxy })
    app.get('/ip', async (request) => ({ fastify: request.ip, ours: clientAddress(request.raw, trustProxy) }))
    t.teardown(() => app.close())
    const headers: Array<Record<string, string>> = [
      {},
      { 'x-forwarded-for': '203.0.113.7' },
      { 'x-forwarded-for': '203.0.113.7, 10.0.0.2' },
      { 'x-forwarded-for': ' 198.51.100.1 ,10.0.0.2,10.0.0.3' },
      { 'x-forwarded-for': '' },
      { 'x-forwarded-for': '2001:db8::1, 10.0.0.2' },
    ]
    for (const h of headers) {
      const res = await app.inject({ method: 'GET', url: '/ip', headers: h, remoteAddress: '192.0.2.9' })
      const { fastify, ours } = res.json() as { fastify: string; ours: string }
      t.equal(ours, fastify, `trustProxy=${trustProxy} x-forwarded-for=${JSON.stringify(h['x-forwarded-for'])} → ${fastify}`)
    }
  }
})

t.test('pathOf and tokenOf read the request URL; an empty token is none', async (t) => {
  t.equal(pathOf('/ws/connect?token=a'), '/ws/connect')
  t.equal(pathOf('/ws'), '/ws')
  t.equal(tokenOf('/ws/connect?token=abc.def.ghi'), 'abc.def.ghi')
  t.equal(tokenOf('/ws/connect?x=1&token=a%2Eb'), 'a.b', 'percent-decoded')
  t.equal(tokenOf('/ws/connect?token='), undefined)
  t.equal(tokenOf('/ws/connect?other=1'), undefined)
  t.equal(tokenOf('/ws/connect'), undefined)
})

t.test('tokenOf reads what URLSearchParams reads, with and without anything to decode', async (t) => {
  const queries = [
    'token=a.b.c', 'x=1&token=a.b.c&y=2', 'token=first&token=second', 'token=&token=second', 'token&token=second',
    'tokens=a&token=b', 'xtoken=a', 'token_=a', 'tokenX=a&token=b', '&&token=a&&', 'token=a=b', 'token=a#frag',
    'token', 'token=', '', '&', '=', 'a=1&b=2', 'token=a+b', 'token=a%20b', '%74oken=a', 'token=%E2%82%AC', 'to+ken=a&token=b',
  ]
  for (const query of queries) {
    const expected = new URLSearchParams(query).get('token')
    t.equal(tokenOf(`/ws/connect?${query}`), expected === null || expected === '' ? undefined : expected, JSON.stringify(query))
  }
})

/** A real TCP pair through an HTTP server whose upgrades go where `divertUpgrades` sends them. */
async function upgradeServer(t: { teardown(fn: () => unknown): void }, take: (req: IncomingMessage, socket: net.Socket) => void) {
  const server = createServer()
  const routed: string[] = []
  server.on('upgrade', (req: IncomingMessage, socket: net.Socket) => {
    routed.push(req.url ?? '')
    socket.destroy()
  })
  divertUpgrades(server, new Set(['/ws', '/ws/connect']), (req, socket) => take(req, socket as net.Socket))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const port = (server.address() as net.AddressInfo).port
  const request = (path: string) => rawUpgrade(port, path)
  return { routed, request }
}

t.test('divertUpgrades: the client paths go to the gateway, others to the listeners the server had', async (t) => {
  const taken: string[] = []
  const { routed, request } = await upgradeServer(t, (req, socket) => {
    taken.push(req.url ?? '')
    socket.destroy()
  })
  await request('/ws?x=1')
  await request('/ws/connect?token=t')
  await request('/device/shelly')
  await request('/wss')
  t.same(taken, ['/ws?x=1', '/ws/connect?token=t'])
  t.same(routed, ['/device/shelly', '/wss'])
})

t.test('refuseUpgrade answers in the API error shape, with extra headers, and closes the socket', async (t) => {
  const { request } = await upgradeServer(t, (_req, socket) => refuseUpgrade(socket, 429, 'RATE_LIMITED', 'Too many', { 'Retry-After': '60' }))
  const { head, body } = await request('/ws')
  t.match(head, /^HTTP\/1\.1 429 Too Many Requests\r\n/)
  t.match(head, /\r\nRetry-After: 60(\r\n|$)/)
  t.match(head, /\r\nContent-Type: application\/json; charset=utf-8/)
  t.match(head, new RegExp(`\\r\\nContent-Length: ${Buffer.byteLength(body)}`))
  t.same(JSON.parse(body), { statusCode: 429, code: 'RATE_LIMITED', error: 'Too Many Requests', message: 'Too many' })
})

t.test('refuseUpgrade on a socket that can no longer be written destroys it', async (t) => {
  const socket = new net.Socket()
  socket.destroy()
  refuseUpgrade(socket, 401, 'AUTH_FAILED', 'no')
  t.ok(socket.destroyed)
  t.equal(socket.listenerCount('finish'), 0, 'nothing waits on it')
})

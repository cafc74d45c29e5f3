import http from 'node:http'
import net from 'node:net'
import { sleep } from './stats.ts'

/** A port that was free a moment ago on 127.0.0.1 (for servers that take PORT from env). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

export function httpRequest(
  o: { port: number; path: string; method?: string; body?: string; headers?: Record<string, string> },
  timeoutMs = 5_000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: o.port,
        path: o.path,
        method: o.method ?? 'GET',
        headers: { ...(o.body ? { 'content-type': 'application/json' } : {}), ...o.headers },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end(o.body)
  })
}

/** Polls `GET path` until it answers 2xx, the process dies, or `timeoutMs` passes. */
export async function waitForHttp(port: number, path: string, timeoutMs: number, alive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && alive()) {
    try {
      const r = await httpRequest({ port, path }, 1_000)
      if (r.status >= 200 && r.status < 300) return true
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  return false
}

/** One Redis command over RESP (enough for PING and INFO; no client library needed). */
export function redisCommand(args: string[], port = 6379, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port })
    let buf = ''
    const done = (err?: Error) => {
      sock.destroy()
      if (err) reject(err)
      else resolve(buf)
    }
    sock.setTimeout(timeoutMs, () => done(new Error('redis timeout')))
    sock.on('error', done)
    sock.on('connect', () => sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`))
    sock.on('data', (c: Buffer) => {
      buf += c.toString()
      // Simple string (+PONG) or a complete bulk string ($len\r\n...\r\n).
      if (buf.startsWith('+') || buf.startsWith('-')) {
        if (buf.endsWith('\r\n')) done()
      } else if (buf.startsWith('$')) {
        const len = Number(buf.slice(1, buf.indexOf('\r\n')))
        if (buf.length >= buf.indexOf('\r\n') + 2 + len + 2) done()
      }
    })
  })
}

/** The redis-server's pid when Redis answers on 127.0.0.1:6379, else undefined. */
export async function redisPid(): Promise<number | undefined> {
  try {
    if (!(await redisCommand(['PING'])).startsWith('+PONG')) return undefined
    const info = await redisCommand(['INFO', 'server'])
    const m = /process_id:(\d+)/.exec(info)
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

import { createServer, connect, type Socket, type AddressInfo } from 'node:net'

/**
 * A TCP proxy in front of the machine's PostgreSQL that a test can "stop"
 * (every open connection cut, new ones refused) and "start" again, to play a
 * database outage without touching the real server other tests use.
 */
export interface TcpProxy {
  port: number
  stop(): void
  start(): void
  close(): Promise<void>
}

export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>()
  let up = true
  const server = createServer((client) => {
    if (!up) {
      client.destroy()
      return
    }
    const upstream = connect(target.port, target.host)
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    const end = () => {
      client.destroy()
      upstream.destroy()
      pairs.delete(pair)
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const stop = () => {
    up = false
    for (const [a, b] of pairs) {
      a.destroy()
      b.destroy()
    }
    pairs.clear()
  }
  return {
    port: (server.address() as AddressInfo).port,
    stop,
    start() {
      up = true
    },
    close() {
      stop()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

import { connect, createServer, type AddressInfo, type Socket } from 'node:net'

/**
 * A TCP load balancer for tests: what clients of a cluster connect through.
 * `round-robin` spreads new connections over the backends; `first-alive`
 * sends each to the first backend that accepts (to put every client on one
 * instance). A backend that refuses is skipped for that connection, as a
 * real balancer's health check would do.
 */
export interface Balancer {
  port: number
  /** Connections accepted per backend port. */
  accepted: Map<number, number>
  close(): Promise<void>
}

export async function balancer(backends: number[], mode: 'round-robin' | 'first-alive' = 'round-robin'): Promise<Balancer> {
  const sockets = new Set<Socket>()
  const accepted = new Map<number, number>()
  let next = 0
  const server = createServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => client.destroy())
    client.pause()
    const start = mode === 'round-robin' ? next++ % backends.length : 0
    const attempt = (i: number) => {
      if (i >= backends.length || client.destroyed) return void client.destroy()
      const port = backends[(start + i) % backends.length]!
      const upstream = connect(port, '127.0.0.1')
      let connected = false
      sockets.add(upstream)
      upstream.on('error', () => {
        if (!connected) attempt(i + 1) // refused: the next backend
        else client.destroy()
      })
      upstream.on('close', () => {
        sockets.delete(upstream)
        if (connected) client.destroy()
      })
      upstream.once('connect', () => {
        connected = true
        accepted.set(port, (accepted.get(port) ?? 0) + 1)
        client.on('close', () => upstream.destroy())
        client.pipe(upstream)
        upstream.pipe(client)
        client.resume()
      })
    }
    attempt(0)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    accepted,
    close() {
      for (const s of sockets) s.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

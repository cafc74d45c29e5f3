import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'

/** A WebSocket upgrade request for `path`, as a client writes it on the TCP socket. */
export function upgradeRequest(path: string, headers: Record<string, string> = {}): string {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${extra}` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`
  )
}

/**
 * Sends an upgrade request on a raw TCP socket to 127.0.0.1:`port` and returns
 * the answer (status, head, body): the whole of it once the server closes the
 * socket (a refusal), or only its first chunk (`untilClose` false: an accepted
 * upgrade stays open).
 */
export async function rawUpgrade(port: number, path: string, headers: Record<string, string> = {}, untilClose = true): Promise<{ status: number; head: string; body: string }> {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(upgradeRequest(path, headers))
  let text = ''
  socket.on('data', (d: Buffer) => (text += d.toString()))
  if (untilClose) {
    // an upgrade accepted by mistake would never close: cut it after a while
    const cut = setTimeout(() => socket.destroy(), 3_000)
    await once(socket, 'close')
    clearTimeout(cut)
  } else {
    await once(socket, 'data')
    socket.destroy()
  }
  const [head = '', body = ''] = text.split('\r\n\r\n')
  return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0), head, body }
}

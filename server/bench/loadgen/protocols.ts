import type WebSocket from 'ws'
import { sentAtOf } from './payload.ts'

/**
 * The client side of each contender's wire protocol, reduced to what the load
 * generator needs: the URL, the connect→auth→subscribe handshake, answering
 * heartbeats, and decoding a sampled event. Every contender is driven through
 * the same `ws` client and the same receive loop; only these few lines differ.
 */
export type ClientProtocol = 'plain' | 'switchboard' | 'socketio'

export interface ClientTarget {
  protocol: ClientProtocol
  host: string
  port: number
}

export function clientUrl(t: ClientTarget, token: string): string {
  const base = `ws://${t.host}:${t.port}`
  switch (t.protocol) {
    case 'plain':
      return `${base}/ws?token=${token}`
    case 'switchboard':
      return `${base}/ws/connect?token=${token}`
    case 'socketio':
      return `${base}/socket.io/?EIO=4&transport=websocket`
  }
}

/** Feeds handshake frames; `true` once subscribed, a string on failure, `false` while pending. */
export type HandshakeStep = (ws: WebSocket, frame: Buffer) => boolean | string

export function handshake(protocol: ClientProtocol, token: string, channels: string[]): { open: (ws: WebSocket) => void; step: HandshakeStep } {
  if (protocol === 'socketio') {
    // Engine.IO v4 over a bare WebSocket: `0{open}` → `40{auth}` → `40{sid}` →
    // emit with ack id 0 → `430[...]`.
    return {
      open: () => {},
      step: (ws, frame) => {
        const text = frame.toString()
        if (text.startsWith('0{')) ws.send(`40${JSON.stringify({ token })}`)
        else if (text.startsWith('40')) ws.send(`420${JSON.stringify(['subscribe', { channels }])}`)
        else if (text.startsWith('430')) return true
        else if (text.startsWith('44')) return `connect_error ${text.slice(2, 200)}`
        else if (text === '2') ws.send('3')
        return false
      },
    }
  }
  // plain raw-ws contender and Switchboard share the envelope protocol:
  // token at the upgrade, then `subscribe` → `subscribed`.
  return {
    open: (ws) => ws.send(JSON.stringify({ type: 'subscribe', id: 's1', channels })),
    step: (_ws, frame) => {
      let msg: { type?: string; id?: string; denied?: unknown[]; code?: string; message?: string }
      try {
        msg = JSON.parse(frame.toString()) as typeof msg
      } catch {
        return 'malformed frame during handshake'
      }
      if (msg.type === 'subscribed') {
        return msg.denied && msg.denied.length > 0 ? `denied ${JSON.stringify(msg.denied).slice(0, 200)}` : true
      }
      if (msg.type === 'error' || msg.type === 'auth_error') return `${msg.code ?? msg.type}: ${msg.message ?? ''}`
      return false
    },
  }
}

const PING_PREFIX = Buffer.from('{"type":"ping"')
const PONG = '{"type":"pong"}'

/** Answers an application-level heartbeat; true when `frame` was one. */
export function answerHeartbeat(protocol: ClientProtocol, ws: WebSocket, frame: Buffer): boolean {
  if (protocol === 'socketio') {
    if (frame.length === 1 && frame[0] === 0x32 /* '2' */) {
      ws.send('3')
      return true
    }
    return false
  }
  if (frame.length < 64 && frame.subarray(0, PING_PREFIX.length).equals(PING_PREFIX)) {
    ws.send(PONG)
    return true
  }
  return false
}

/** The send time carried by a sampled event frame (a full JSON.parse), or NaN. */
export function decodeSentAt(protocol: ClientProtocol, frame: Buffer): number {
  try {
    if (protocol === 'socketio') {
      // `42["<event>",<envelope>]`
      const packet = JSON.parse(frame.toString('utf8', 2)) as [string, { data?: unknown }]
      return sentAtOf(packet[1]?.data)
    }
    return sentAtOf((JSON.parse(frame.toString()) as { data?: unknown }).data)
  } catch {
    return Number.NaN
  }
}

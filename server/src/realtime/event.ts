/**
 * The server's internal form of an event on its way to clients. It crosses the
 * bus between instances; the wire frame is built from it once per instance.
 */
export type Target =
  | { kind: 'tenant'; tenant: string }
  | { kind: 'user'; tenant: string; user: string }
  | { kind: 'role'; tenant: string; role: string }
  | { kind: 'channel'; tenant: string; channel: string }
  /** Every authenticated connection of every tenant (operators only, `_test/broadcast`). */
  | { kind: 'all' }

export interface HubEvent {
  id: string
  type: string
  /** ISO time the event was accepted. */
  ts: string
  target: Target
  data: unknown
  /** Set when the channel keeps history. */
  offset?: number
  epoch?: string
  /** Epoch milliseconds (performance.timeOrigin + now()) at publish, for the latency histogram. */
  publishedAt: number
}

export function describeTarget(t: Target): string {
  switch (t.kind) {
    case 'tenant':
      return `tenant:${t.tenant}`
    case 'user':
      return `user:${t.tenant}/${t.user}`
    case 'role':
      return `role:${t.tenant}/${t.role}`
    case 'channel':
      return `channel:${t.tenant}/${t.channel}`
    case 'all':
      return 'all'
  }
}

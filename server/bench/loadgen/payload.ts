/**
 * The event payload every contender carries, and the probe inside it.
 *
 * Each published event's `data.reason` starts with `@@t=<epoch ms>;`: the
 * publisher's clock at send time. Receivers find events by that marker (a
 * memchr-speed `Buffer.indexOf`, no parse) and JSON.parse only the sampled ones
 * to compute publish→receive latency. Both sides run on the same machine, and
 * `performance.timeOrigin + performance.now()` is the same clock in every process.
 */
export const PROBE_MARK = '@@t='
export const PROBE_MARK_BYTES = Buffer.from(PROBE_MARK)

/** Switchboard's catalog caps `dashboard_event.reason` at 256 characters. */
const REASON_MAX = 256

export const EVENT_TYPE = 'dashboard_event'

export function nowMs(): number {
  return performance.timeOrigin + performance.now()
}

/**
 * The `data` object of one event, serialised to about `bytes` bytes of JSON
 * (`dashboard_event`: `{reason}` for small events, `{reason, data: {pad}}` for big ones).
 */
export function eventData(bytes: number, seq: number, sentAt = nowMs()): Record<string, unknown> {
  const head = `${PROBE_MARK}${sentAt.toFixed(3)};${seq};`
  // `{"reason":""}` is 13 bytes of JSON around the string.
  const fill = bytes - 13 - head.length
  if (fill + head.length <= REASON_MAX) return { reason: head + 'x'.repeat(Math.max(0, fill)) }
  // `,"data":{"pad":""}` adds 18 more.
  return { reason: head, data: { pad: 'x'.repeat(Math.max(0, fill - 18)) } }
}

/** The send time written into an event's `data`, or NaN. */
export function sentAtOf(data: unknown): number {
  const reason = (data as { reason?: unknown } | null)?.reason
  if (typeof reason !== 'string' || !reason.startsWith(PROBE_MARK)) return Number.NaN
  return Number(reason.slice(PROBE_MARK.length, reason.indexOf(';')))
}

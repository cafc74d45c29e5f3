import type { HistoryPolicy } from './history.ts'

/**
 * Parses HISTORY_CHANNELS: comma-separated `pattern=size:ttl` entries, where
 * pattern is a channel name with `*` wildcards and ttl is in seconds, e.g.
 * `orders=100:300,tasks:*=500:3600`. The first matching entry wins.
 */
export function parseHistoryChannels(spec: string): Array<{ pattern: RegExp; source: string; policy: HistoryPolicy }> {
  const entries: Array<{ pattern: RegExp; source: string; policy: HistoryPolicy }> = []
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z0-9_.:/*-]+)=(\d+):(\d+)$/.exec(part)
    if (m === null) throw new Error(`HISTORY_CHANNELS: cannot read "${part}" (expected pattern=size:ttlSeconds)`)
    const source = m[1]!
    const escaped = source.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*')
    entries.push({ pattern: new RegExp(`^${escaped}$`), source, policy: { size: Number(m[2]), ttlMs: Number(m[3]) * 1000 } })
  }
  return entries
}

export function historyPolicyResolver(spec: string): (channel: string) => HistoryPolicy | undefined {
  const entries = parseHistoryChannels(spec)
  // no channel keeps history: nothing to look up per publish
  if (entries.length === 0) return () => undefined
  const cache = new Map<string, HistoryPolicy | undefined>()
  return (channel) => {
    if (cache.has(channel)) return cache.get(channel)
    const policy = entries.find((e) => e.pattern.test(channel))?.policy
    if (cache.size < 10_000) cache.set(channel, policy)
    return policy
  }
}

/**
 * A comma-separated list of channel patterns with `*` wildcards (the syntax
 * of HISTORY_CHANNELS without the policy), e.g. `chat:*,lobby`.
 */
export function channelMatcher(spec: string): (channel: string) => boolean {
  const patterns = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((p) => {
      if (!/^[a-z0-9_.:/*-]+$/.test(p)) throw new Error(`channel pattern "${p}" has characters a channel name cannot have`)
      return new RegExp(`^${p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*')}$`)
    })
  if (patterns.length === 0) return () => false
  const cache = new Map<string, boolean>()
  return (channel) => {
    let hit = cache.get(channel)
    if (hit === undefined) {
      hit = patterns.some((p) => p.test(channel))
      if (cache.size < 10_000) cache.set(channel, hit)
    }
    return hit
  }
}

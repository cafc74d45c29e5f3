/**
 * Display formatting for the console. Pure functions of their inputs (the
 * clock is a parameter), so they are unit-tested under Node.
 */

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const pad2 = (n: number) => String(n).padStart(2, '0')

/** A span as its two most significant units: `45s`, `3m 12s`, `2h 05m`, `3d 4h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0
  if (ms < MINUTE) return `${Math.floor(ms / SECOND)}s`
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)}m ${pad2(Math.floor((ms % MINUTE) / SECOND))}s`
  if (ms < DAY) return `${Math.floor(ms / HOUR)}h ${pad2(Math.floor((ms % HOUR) / MINUTE))}m`
  return `${Math.floor(ms / DAY)}d ${Math.floor((ms % DAY) / HOUR)}h`
}

/** `just now`, `12s ago`, `5m ago`, `3h ago`, `2d ago`; a future time reads `in 5s`. */
export function formatRelative(at: string | number | Date | null | undefined, now: number): string {
  if (at === null || at === undefined) return '—'
  const t = at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at)
  if (Number.isNaN(t)) return '—'
  const diff = now - t
  const abs = Math.abs(diff)
  if (abs < 2 * SECOND) return 'just now'
  const unit = abs < MINUTE ? `${Math.floor(abs / SECOND)}s` : abs < HOUR ? `${Math.floor(abs / MINUTE)}m` : abs < DAY ? `${Math.floor(abs / HOUR)}h` : `${Math.floor(abs / DAY)}d`
  return diff >= 0 ? `${unit} ago` : `in ${unit}`
}

/** Compact counts: `999`, `1.2k`, `34k`, `1.3M`. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  const sign = n < 0 ? '-' : ''
  const a = Math.abs(n)
  const short = (v: number, suffix: string) => `${sign}${v < 10 ? trimZero(v.toFixed(1)) : Math.round(v)}${suffix}`
  if (a < 1000) return `${sign}${Number.isInteger(a) ? a : trimZero(a.toFixed(1))}`
  if (a < 999_500) return short(a / 1000, 'k')
  if (a < 999_500_000) return short(a / 1_000_000, 'M')
  return short(a / 1_000_000_000, 'G')
}

const trimZero = (s: string) => s.replace(/\.0$/, '')

/** Messages per second: `0/s`, `0.4/s`, `12/s`, `1.2k/s`. */
export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return '—'
  if (perSecond > 0 && perSecond < 10) return `${trimZero(perSecond.toFixed(1))}/s`
  return `${formatCount(Math.round(perSecond))}/s`
}

/** Latency: `0.42 ms`, `12 ms`, `1.2 s`. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 10) return `${trimZero(ms.toFixed(1))} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${trimZero((ms / 1000).toFixed(1))} s`
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${trimZero((n / 1024).toFixed(1))} KiB`
  return `${trimZero((n / 1024 / 1024).toFixed(1))} MiB`
}

/** `2026-11-23 09:41:02` in local time (or UTC). */
export function formatDateTime(at: string | number | Date | null | undefined, utc = false): string {
  if (at === null || at === undefined) return '—'
  const d = at instanceof Date ? at : new Date(at)
  if (Number.isNaN(d.getTime())) return '—'
  const [y, mo, da, h, mi, s] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()]
  return `${y}-${pad2(mo)}-${pad2(da)} ${pad2(h)}:${pad2(mi)}:${pad2(s)}`
}

/** `09:41:02` in local time (or UTC). */
export function formatClock(at: string | number | Date, utc = false): string {
  return formatDateTime(at, utc).slice(11)
}

/** Keeps both ends of long identifiers: `a1b2c3…x9y8`. */
export function truncateMiddle(s: string, max: number): string {
  if (s.length <= max) return s
  const keep = Math.max(1, max - 1)
  const head = Math.ceil(keep / 2)
  return `${s.slice(0, head)}…${s.slice(s.length - (keep - head))}`
}

/** A short label for a User-Agent header: `Chrome 156 · Linux`, `Firefox 130 · macOS`, `node`, `curl 8.5`. */
export function summarizeUserAgent(ua: string | null | undefined): string {
  if (!ua) return '—'
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad|iPod/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /Linux|X11/.test(ua)
            ? 'Linux'
            : ''
  const browsers: [RegExp, string][] = [
    [/Edg\/(\d+)/, 'Edge'],
    [/OPR\/(\d+)/, 'Opera'],
    [/Firefox\/(\d+)/, 'Firefox'],
    [/(?:HeadlessChrome|Chrome|Chromium)\/(\d+)/, 'Chrome'],
    [/Version\/(\d+)[\d.]* .*Safari/, 'Safari'],
  ]
  for (const [re, name] of browsers) {
    const m = re.exec(ua)
    if (m) return os ? `${name} ${m[1]} · ${os}` : `${name} ${m[1]}`
  }
  const tool = /^([A-Za-z][\w.-]*)\/(\d+(?:\.\d+)?)/.exec(ua)
  if (tool) return `${tool[1]} ${tool[2]}`
  return truncateMiddle(ua, 32)
}

import { CLOSE_CODE_REASONS, isTerminalCloseCode } from '@switchboard/shared'
import type { ClientState } from '@switchboard/shared/client'

/**
 * The one socket's health as the console shows it, and the banner it calls
 * for. `bannerFor` is a pure function of this snapshot and the clock, so the
 * countdown, the wording and when the banner appears at all are unit-tested.
 */
export interface LinkStatus {
  state: ClientState
  /** True once the socket has authenticated at least once in this page's life. */
  everConnected: boolean
  /** Epoch ms of the next reconnect attempt, while one is scheduled. */
  reconnectAt: number | null
  /** Reconnect attempts since the connection was lost (1 = first). */
  attempt: number
  /** Epoch ms the current `connecting`/`authenticating` phase began. */
  since: number
  /** The close that took the socket down, if any. */
  lastClose: { code: number; reason: string } | null
  /** `navigator.onLine`. */
  online: boolean
}

export type BannerTone = 'info' | 'warning' | 'error'

export interface Banner {
  tone: BannerTone
  /** The sentence operators must not miss, e.g. `Disconnected — reconnecting in 3s`. */
  title: string
  detail: string | null
  /** Whole seconds left before the next attempt, when counting down. */
  secondsLeft: number | null
  /** `retry`: reconnect now; `login`: the session is gone, sign in again. */
  action: 'retry' | 'login' | null
}

/** A first connection quicker than this shows no banner at all (no flash on every page load). */
export const INITIAL_GRACE_MS = 1500

/** Close codes that mean the credentials are no longer good: a new sign-in is the only way back. */
const CREDENTIAL_CODES = new Set([4001, 4005, 4104])

export function describeClose(close: { code: number; reason: string } | null): string | null {
  if (close === null) return null
  const known = (CLOSE_CODE_REASONS as Record<number, string>)[close.code]
  const text = known ?? (close.code === 1006 ? 'connection lost without a close frame' : close.reason || 'connection closed')
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} (code ${close.code})`
}

export function bannerFor(s: LinkStatus, now: number): Banner | null {
  const detail = describeClose(s.lastClose)
  switch (s.state) {
    case 'connected':
      return null
    case 'disconnected':
      return null
    case 'connecting':
    case 'authenticating': {
      if (!s.everConnected) {
        if (now - s.since < INITIAL_GRACE_MS) return null
        return { tone: 'info', title: 'Connecting to the server…', detail: s.online ? null : 'The browser reports no network.', secondsLeft: null, action: null }
      }
      return { tone: 'warning', title: 'Disconnected — reconnecting now…', detail: attemptDetail(s, detail), secondsLeft: 0, action: null }
    }
    case 'reconnecting': {
      if (!s.online) {
        return { tone: 'warning', title: 'Disconnected — you are offline', detail: 'Reconnecting as soon as the network is back.', secondsLeft: null, action: 'retry' }
      }
      const left = s.reconnectAt === null ? 0 : Math.max(0, Math.ceil((s.reconnectAt - now) / 1000))
      const title = left > 0 ? `Disconnected — reconnecting in ${left}s` : 'Disconnected — reconnecting now…'
      return { tone: 'warning', title, detail: attemptDetail(s, detail), secondsLeft: left, action: 'retry' }
    }
    case 'closed': {
      const code = s.lastClose?.code
      if (code !== undefined && CREDENTIAL_CODES.has(code)) {
        return { tone: 'error', title: 'Disconnected — your session has ended', detail, secondsLeft: null, action: 'login' }
      }
      if (code !== undefined && isTerminalCloseCode(code)) {
        return { tone: 'error', title: 'Disconnected — the server will not take this connection back', detail, secondsLeft: null, action: 'retry' }
      }
      const why = s.lastClose?.reason && /gave up/.test(s.lastClose.reason) ? s.lastClose.reason : detail
      return { tone: 'error', title: 'Disconnected — no longer retrying', detail: why, secondsLeft: null, action: 'retry' }
    }
  }
}

function attemptDetail(s: LinkStatus, detail: string | null): string | null {
  const attempt = s.attempt > 1 ? `Attempt ${s.attempt}.` : null
  return [detail, attempt].filter(Boolean).join(' ') || null
}

/**
 * What a screen reader is told: the banner's state without its countdown, so
 * the live region speaks once per change of state, not once per second.
 */
export function announcementOf(b: Banner): string {
  return b.title.replace(/ in \d+s$| now…$/, '')
}

/**
 * WebSocket close codes, in two documented ranges a client obeys:
 * - terminal (do NOT reconnect without a change: new token, smaller frames, operator action):
 *   1008, 1009 and 4000-4099;
 * - reconnect (reconnect with backoff, re-auth, re-subscribe with `since` to recover):
 *   1001, 1011, 1012, 1013 and 4100-4199.
 * Any other code: reconnect with backoff.
 */
export const CLOSE_CODES = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  // terminal
  AUTH_FAILED: 4001,
  FORBIDDEN_ORIGIN: 4003,
  STOPPED: 4004,
  REVOKED: 4005,
  // reconnect
  RESTART: 4100,
  SLOW_CONSUMER: 4101,
  HEARTBEAT_TIMEOUT: 4102,
  AUTH_TIMEOUT: 4103,
  TOKEN_EXPIRED: 4104,
  TOO_MANY_CONNECTIONS: 4105,
} as const

export type CloseCodeName = keyof typeof CLOSE_CODES
export type CloseCode = (typeof CLOSE_CODES)[CloseCodeName]

const TERMINAL_STANDARD = new Set<number>([CLOSE_CODES.POLICY_VIOLATION, CLOSE_CODES.MESSAGE_TOO_BIG])

/** True when a client must not reconnect automatically after this close code. */
export function isTerminalCloseCode(code: number): boolean {
  return TERMINAL_STANDARD.has(code) || (code >= 4000 && code <= 4099)
}

/** Human description of each close code, used by PROTOCOL.md and logs. */
export const CLOSE_CODE_REASONS: Record<CloseCode, string> = {
  1000: 'normal closure (client asked, or server stopped the connection cleanly)',
  1001: 'server shutting down; reconnect to another instance',
  1008: 'repeated protocol abuse (too many invalid frames)',
  1009: 'frame larger than the maximum frame size',
  1011: 'internal server error',
  4001: 'authentication failed (bad token, or a token without tenant/user)',
  4003: 'Origin not in the allow-list',
  4004: 'stopped by an operator with auto-reconnect disabled',
  4005: 'access revoked (token revoked, tenant disabled)',
  4100: 'restarted by an operator; reconnect now',
  4101: 'slow consumer: outbound buffer exceeded its limit',
  4102: 'heartbeat timeout: no pong within the window',
  4103: 'not authenticated within the auth timeout',
  4104: 'token expired; reconnect with a fresh token',
  4105: 'too many connections for this user or address',
}

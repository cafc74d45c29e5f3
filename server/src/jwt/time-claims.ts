/**
 * Checks on a verified token's time claims that neither verifier makes (the
 * HMAC verifier of this folder, fast-jwt for RSA/ECDSA), so they are made once
 * on whatever either accepted:
 *
 * - `exp`, `nbf` and `iat` must fit in a Date. A validly signed `exp: 1e17`
 *   passes the expiry check (it is in the future) but `new Date(exp * 1000)`
 *   is invalid and `toISOString()` throws: refused here, not later and
 *   halfway through authenticating a connection.
 * - `iat` may not be later than now plus the clock leeway. Revocations refuse
 *   tokens issued before the revocation (cluster/revocations.ts): a token
 *   claiming to be issued in the future would outlive every revocation.
 */

/** The largest |epoch ms| a Date holds (ECMA-262 TimeClip); past it a Date is invalid. */
const MAX_DATE_MS = 8.64e15

const TIME_CLAIMS = ['exp', 'nbf', 'iat'] as const

/** Why the time claims are refused (a message for the caller), or undefined when they are fine. */
export function timeClaimsProblem(claims: Record<string, unknown>, nowMs: number, leewayMs: number): string | undefined {
  for (const claim of TIME_CLAIMS) {
    const value = claims[claim]
    // written so that NaN fails too; JSON gives Infinity for 1e400
    if (typeof value === 'number' && !(Math.abs(value * 1000) <= MAX_DATE_MS)) return `Token ${claim} is out of range`
  }
  if (typeof claims.iat === 'number' && claims.iat * 1000 > nowMs + leewayMs) return 'Token is issued in the future (iat)'
  return undefined
}

/**
 * Close codes on `/shelly`. Devices do not act on them (a Shelly reconnects
 * with its own backoff whatever the code); they are for logs, metrics and
 * operators reading `switchboard_device_closes_total`. Not part of the
 * client protocol (shared/close-codes.ts), which they never reach.
 */
export const DEVICE_CLOSE_CODES = {
  /** Server shutting down. */
  GOING_AWAY: 1001,
  /** A frame that is not a JSON-RPC object we can read (bad JSON, binary, too deep, wrong shape). */
  MALFORMED_FRAME: 1007,
  /** A device changed its `src` on one socket, or never said who it is. */
  POLICY_VIOLATION: 1008,
  /** Frame over the maximum size (sent by ws itself). */
  MESSAGE_TOO_BIG: 1009,
  /** Another socket for the same device took over (no offline in between). */
  REPLACED: 4010,
  /** An operator rejected the device. */
  REJECTED: 4011,
  /** The enrolment token the socket came in with was revoked. */
  TOKEN_REVOKED: 4012,
  /** Too many devices waiting for approval on this tenant. */
  TOO_MANY_PENDING: 4013,
} as const

export type DeviceCloseCode = (typeof DEVICE_CLOSE_CODES)[keyof typeof DEVICE_CLOSE_CODES]

/**
 * Error codes carried by `error` frames (and by HTTP error bodies).
 * `temporary: true` means the same request may succeed later unchanged
 * (rate limit, overload); `false` means the request itself must change.
 */
export const ERROR_CODES = {
  MALFORMED_JSON: { temporary: false, message: 'Frame is not valid JSON' },
  INVALID_FRAME: { temporary: false, message: 'Frame does not match the schema of its type' },
  UNKNOWN_TYPE: { temporary: false, message: 'Unknown frame type' },
  TOO_DEEP: { temporary: false, message: 'Frame nests deeper than allowed' },
  FORBIDDEN_KEY: { temporary: false, message: 'Frame contains a forbidden key (__proto__, constructor, prototype)' },
  NOT_AUTHENTICATED: { temporary: false, message: 'Authenticate first with an auth frame' },
  ALREADY_AUTHENTICATED: { temporary: false, message: 'Connection is already authenticated' },
  AUTH_FAILED: { temporary: false, message: 'Token is invalid' },
  TOKEN_EXPIRED: { temporary: false, message: 'Token has expired' },
  IDENTITY_MISMATCH: { temporary: false, message: 'A re-auth token must name the same user and tenant' },
  INVALID_CHANNEL: { temporary: false, message: 'Channel name is not valid' },
  FORBIDDEN_CHANNEL: { temporary: false, message: 'Your roles do not allow this channel' },
  TOO_MANY_CHANNELS: { temporary: false, message: 'Subscription limit reached' },
  PRESENCE_DISABLED: { temporary: false, message: 'Presence is not enabled on this channel' },
  RATE_LIMITED: { temporary: true, message: 'Too many messages; slow down' },
  FORBIDDEN: { temporary: false, message: 'Not allowed' },
  NOT_FOUND: { temporary: false, message: 'Not found' },
  UNAVAILABLE: { temporary: true, message: 'Service temporarily unavailable' },
  DEVICE_OFFLINE: { temporary: true, message: 'The device is not connected' },
  DEVICE_TIMEOUT: { temporary: true, message: 'The device did not answer in time' },
  DEVICE_ERROR: { temporary: false, message: 'The device refused the command' },
  INTERNAL: { temporary: true, message: 'Internal error' },
} as const satisfies Record<string, { temporary: boolean; message: string }>

export type ErrorCode = keyof typeof ERROR_CODES
export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as ErrorCode[]

/** Replaces the value of `token` (and similar) query parameters so URLs can be logged. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  if (q === -1) return url
  return url.slice(0, q) + url.slice(q).replace(/([?&](?:token|access_token|t)=)[^&#]*/gi, '$1[REDACTED]')
}

/**
 * Shutdown helper for the modules that record connections: the hub closes
 * every socket in `preClose`, but each `closed` event arrives only when its
 * close handshake ends. Waiting (bounded) for the hub to empty lets those
 * last records reach the batched writers before they flush and close.
 */
export async function hubDrained(hub: { connections: { size: number } }, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (hub.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  return hub.connections.size === 0
}

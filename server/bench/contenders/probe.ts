/**
 * Memory probe inside a contender process, answered over IPC:
 * `{op:'memory'}` runs a full GC (when started with --expose-gc) and reports
 * `process.memoryUsage()`; `{op:'buffered'}` reports bytes queued for clients
 * when the contender can tell. The Switchboard server gets this module through
 * `--import` (preloaded, the server itself is untouched); the bench's own
 * servers call installProbe() directly.
 */
export interface ProbeHooks {
  /** Bytes the server holds for clients (sum of bufferedAmount). */
  buffered?: () => number
}

declare const gc: undefined | (() => void)

export function installProbe(hooks: ProbeHooks = {}): void {
  if (!process.send) return
  process.on('message', (raw) => {
    const msg = raw as { op?: string; reqId?: number }
    if (msg.reqId === undefined) return
    if (msg.op === 'memory') {
      const collected = typeof gc === 'function'
      if (collected) {
        // Two passes: the first may only promote what the second frees.
        gc()
        gc()
      }
      const m = process.memoryUsage()
      process.send!({ reqId: msg.reqId, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, collected })
    } else if (msg.op === 'buffered') {
      process.send!({ reqId: msg.reqId, buffered: hooks.buffered ? hooks.buffered() : null })
    }
  })
  // The IPC channel must not keep a server alive after it closed its listeners.
  process.channel?.unref()
}

import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { writeHeapSnapshot } from 'node:v8'

/**
 * Probe inside a contender process, answered over IPC:
 * `{op:'memory'}` runs a full GC (when started with --expose-gc) and reports
 * `process.memoryUsage()`; `{op:'buffered'}` reports bytes queued for clients
 * when the contender can tell; `{op:'cpu-start'}` / `{op:'cpu-stop', file}`
 * record a CPU profile of just the measured phase (in-process inspector
 * session) instead of the whole life of the process as `--cpu-prof` would;
 * `{op:'alloc-start'}` / `{op:'alloc-stop', file}` do the same with V8's
 * sampling heap profiler, objects already collected included (what the phase
 * allocated, not what it kept); `{op:'heap-snapshot', file}` writes a
 * V8 heap snapshot. The Switchboard server gets this module through `--import`
 * (preloaded, the server itself is untouched); the bench's own servers call
 * installProbe() directly.
 */
export interface ProbeHooks {
  /** Bytes the server holds for clients (sum of bufferedAmount). */
  buffered?: () => number
}

declare const gc: undefined | (() => void)

let session: Session | undefined

/** On average one sample per 4 KiB allocated: fine enough for per-connection costs of a few KiB. */
const ALLOC_SAMPLING_BYTES = 4096

/** Each kind of profile (contender.ts `ProfileKind`): how the inspector starts and stops it. */
const PROFILERS = {
  cpu: {
    async start(s: Session) {
      await s.post('Profiler.enable')
      await s.post('Profiler.start')
    },
    stop: async (s: Session) => (await s.post('Profiler.stop')).profile,
  },
  alloc: {
    async start(s: Session) {
      await s.post('HeapProfiler.enable')
      await s.post('HeapProfiler.startSampling', {
        samplingInterval: ALLOC_SAMPLING_BYTES,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      })
    },
    stop: async (s: Session) => (await s.post('HeapProfiler.stopSampling')).profile,
  },
}

/** `op` is `<kind>-start` or `<kind>-stop`; false for any other op. */
async function profile(op: string, file: unknown): Promise<boolean> {
  const [kind, action] = op.split('-') as [string, string]
  const profiler = Object.hasOwn(PROFILERS, kind) ? PROFILERS[kind as keyof typeof PROFILERS] : undefined
  if (profiler === undefined || (action !== 'start' && action !== 'stop')) return false
  if (action === 'start') {
    session = new Session()
    session.connect()
    await profiler.start(session)
    return true
  }
  if (!session) return false
  const profile = await profiler.stop(session)
  session.disconnect()
  session = undefined
  if (typeof file === 'string') writeFileSync(file, JSON.stringify(profile))
  return true
}

export function installProbe(hooks: ProbeHooks = {}): void {
  if (!process.send) return
  process.on('message', (raw) => {
    const msg = raw as { op?: string; reqId?: number; file?: unknown }
    if (msg.reqId === undefined) return
    if (msg.op?.endsWith('-start') || msg.op?.endsWith('-stop')) {
      profile(msg.op, msg.file).then(
        (ok) => process.send!({ reqId: msg.reqId, ok }),
        (err: unknown) => process.send!({ reqId: msg.reqId, ok: false, error: String(err) }),
      )
    } else if (msg.op === 'memory') {
      const collected = typeof gc === 'function'
      if (collected) {
        // Two passes: the first may only promote what the second frees.
        gc()
        gc()
      }
      const m = process.memoryUsage()
      process.send!({ reqId: msg.reqId, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, collected })
    } else if (msg.op === 'heap-snapshot' && typeof msg.file === 'string') {
      if (typeof gc === 'function') gc()
      process.send!({ reqId: msg.reqId, file: writeHeapSnapshot(msg.file) })
    } else if (msg.op === 'buffered') {
      process.send!({ reqId: msg.reqId, buffered: hooks.buffered ? hooks.buffered() : null })
    }
  })
  // The IPC channel must not keep a server alive after it closed its listeners.
  process.channel?.unref()
}

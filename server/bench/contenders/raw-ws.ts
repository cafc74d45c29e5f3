import { fileURLToPath } from 'node:url'
import { BENCH_SECRET_ENV } from './envelope.ts'
import { forkServer } from './child.ts'
import { type Contender, type ContenderId, profileExtension } from './contender.ts'

/** Starts the raw `ws` contender in one of its broadcast modes (see raw-ws-server.ts). */
export async function startRawWs(id: ContenderId, mode: 'naive' | 'buffer' | 'tuned', secret: string): Promise<Contender> {
  const { handle, port } = await forkServer(
    fileURLToPath(new URL('./raw-ws-server.ts', import.meta.url)),
    [mode],
    { [BENCH_SECRET_ENV]: secret },
    id,
  )
  return {
    id,
    client: { protocol: 'plain', host: '127.0.0.1', port },
    publish: { host: '127.0.0.1', port, path: '/publish' },
    cpuPids: [handle.pid],
    memoryPid: handle.pid,
    memory: () => handle.memory(),
    buffered: async () => (await handle.probe<{ buffered: number | null }>('buffered'))?.buffered ?? undefined,
    notes: [],
    diagnostics: () => handle.diagnostics(),
    heapSnapshot: async (file) => {
      await handle.probe('heap-snapshot', 120_000, { file })
    },
    profile: async (op, kind, prefix) => {
      await handle.profile(op, kind, prefix && prefix + profileExtension(kind))
    },
    stop: () => handle.stop(),
  }
}

import { fileURLToPath } from 'node:url'
import { BENCH_SECRET_ENV } from './envelope.ts'
import { forkServer } from './child.ts'
import { type Contender, profileExtension } from './contender.ts'

/** Starts the Socket.IO 4 contender (see socketio-server.ts). */
export async function startSocketIo(secret: string): Promise<Contender> {
  const { handle, port } = await forkServer(
    fileURLToPath(new URL('./socketio-server.ts', import.meta.url)),
    [],
    { [BENCH_SECRET_ENV]: secret },
    'socketio',
  )
  return {
    id: 'socketio',
    client: { protocol: 'socketio', host: '127.0.0.1', port },
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

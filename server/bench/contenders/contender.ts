import type { ClientTarget } from '../loadgen/protocols.ts'
import type { PublishTarget } from '../loadgen/publisher.ts'

/** What a scenario sees of a running contender, whatever its kind. */
export interface Contender {
  id: ContenderId
  client: ClientTarget
  publish: PublishTarget
  /** Processes whose CPU time counts as the server's (all instances, plus Redis). */
  cpuPids: number[]
  /** The process whose memory per connection is reported (the subscribers' instance). */
  memoryPid: number
  /** RSS and heap after a forced GC; heap is undefined when the process cannot tell. */
  memory(): Promise<{ rss: number; heapUsed?: number }>
  /** Bytes queued for clients, when the server can tell. */
  buffered(): Promise<number | undefined>
  /** Origin header the clients send (Switchboard's allow-list). */
  origin?: string
  notes: string[]
  /**
   * Starts, or stops and writes (`<prefix>.cpuprofile` or `.heapprofile`, one
   * per process), a CPU or allocation profile of the server.
   */
  profile(op: 'start' | 'stop', kind: ProfileKind, prefix?: string): Promise<void>
  /** Writes a V8 heap snapshot of the memory process (diagnosis, not used by scenarios). */
  heapSnapshot(file: string): Promise<void>
  /** Exit status and last output of server processes that died, '' while all run. */
  diagnostics(): string
  stop(): Promise<void>
}

/** `cpu`: V8's sampling CPU profiler; `alloc`: its sampling heap profiler, collected objects included. */
export type ProfileKind = 'cpu' | 'alloc'

export function profileExtension(kind: ProfileKind): string {
  return kind === 'cpu' ? '.cpuprofile' : '.heapprofile'
}

export const CONTENDER_IDS = ['ws-naive', 'ws-buffer', 'ws-tuned', 'socketio', 'switchboard', 'switchboard-redis'] as const
export type ContenderId = (typeof CONTENDER_IDS)[number]

export const CONTENDER_LABELS: Record<ContenderId, string> = {
  'ws-naive': 'raw ws naive (stringify per client)',
  'ws-buffer': 'raw ws, one Buffer per broadcast',
  'ws-tuned': 'raw ws tuned (pre-framed)',
  socketio: 'Socket.IO 4 room broadcast',
  switchboard: 'Switchboard, one instance',
  'switchboard-redis': 'Switchboard, 2 instances + Redis',
}

/** Thrown by a contender that cannot run here (e.g. no Redis): the scenario prints "skipped". */
export class ContenderUnavailable extends Error {
  override name = 'ContenderUnavailable'
}

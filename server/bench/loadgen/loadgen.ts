import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { concatSamples } from '../stats.ts'
import { type ChannelPlan, type ChannelRange, channelCount } from './channel-plan.ts'
import type { ClientTarget } from './protocols.ts'
import type { PublishResult, PublishTarget } from './publisher.ts'
import { Peer } from './rpc.ts'

/**
 * Orchestrator side of the load generator: a few client-worker processes
 * (clients are split between them) and one publisher process, kept alive for
 * the whole run and pointed at one contender after another.
 */

export interface ProcCpu {
  name: string
  cpuUs: number
  wallMs: number
}

export interface ConnectResult {
  ok: number
  failed: number
  ms: number
  errors: string[]
}

export interface ReceiveReport {
  received: number
  other: number
  /** Reading sockets that got fewer events than were published on their channels. */
  short: number
  missing: number
  extra: number
  pausedCount: number
  pausedClosed: number
  closedOthers: number
  closeCodes: Record<string, number>
  samples: Float64Array
  gen: ProcCpu[]
}

interface WorkerReport extends Omit<ReceiveReport, 'gen' | 'samples' | 'closeCodes'> {
  closeCodes: Record<string, number>
  samples: Float64Array
  cpuUs: number
  wallMs: number
}

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

export class LoadGen {
  readonly workers: Peer[]
  readonly publisher: Peer
  readonly secret: string
  /** Clients of worker k: [bounds[k], bounds[k+1]). */
  #bounds: number[] = [0]
  #plan: ChannelPlan | undefined
  #progress: number[]

  private constructor(workers: Peer[], publisher: Peer, secret: string) {
    this.workers = workers
    this.publisher = publisher
    this.secret = secret
    this.#progress = workers.map(() => 0)
    workers.forEach((w, k) => {
      w.onPush((msg) => {
        if (msg.op !== 'progress') return
        this.#progress[k] = msg.received as number
        // Credit for the closed-loop publisher: total deliveries seen so far.
        this.publisher.tell({ op: 'received', total: this.#progress.reduce((a, b) => a + b, 0) })
      })
    })
  }

  /** `nativeReceiver`: the built addon's path, or undefined for the `ws` receive path. */
  static async start(workerCount: number, secret: string, nativeReceiver?: string): Promise<LoadGen> {
    const spawn = (file: string, name: string, args: string[] = []) =>
      new Peer(fork(here(file), args, { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), name)
    const workerArgs = nativeReceiver ? [nativeReceiver] : []
    const workers = Array.from({ length: workerCount }, (_, k) => spawn('./client-worker.ts', `client-worker-${k}`, workerArgs))
    const publisher = spawn('./publisher.ts', 'publisher')
    await publisher.request({ op: 'init', secret })
    return new LoadGen(workers, publisher, secret)
  }

  get pids(): number[] {
    return [...this.workers, this.publisher].map((p) => p.child.pid!)
  }

  /** Connects `plan.clients` clients, split evenly across the workers. */
  async connect(target: ClientTarget, plan: ChannelPlan, concurrency: number, origin?: string): Promise<ConnectResult> {
    this.#plan = plan
    const n = plan.clients
    const w = this.workers.length
    this.#bounds = Array.from({ length: w + 1 }, (_, k) => Math.round((k * n) / w))
    const results = await Promise.all(
      this.workers.map((worker, k) =>
        worker.request<ConnectResult>({
          op: 'connect',
          target,
          plan,
          from: this.#bounds[k],
          to: this.#bounds[k + 1],
          concurrency: Math.max(1, Math.round(concurrency / w)),
          secret: this.secret,
          origin,
        }),
      ),
    )
    return mergeConnect(results)
  }

  /** Zeroes counters and CPU baselines everywhere; `sampleEvery` 0 disables latency sampling. */
  async reset(sampleEvery: number): Promise<void> {
    this.#progress.fill(0)
    await Promise.all([...this.workers.map((w) => w.request({ op: 'reset', sampleEvery })), this.publisher.request({ op: 'reset' })])
  }

  /** Publishes as fast as receivers keep up (window of outstanding deliveries) for `maxMs`. */
  async publishClosedLoop(
    target: PublishTarget,
    o: { range: ChannelRange; fanout: number; window: number; maxMs: number; eventBytes: number; concurrency: number },
  ): Promise<PublishResult> {
    await this.#setProgress(20)
    try {
      const r = await this.publisher.request<{ result: PublishResult }>(
        { op: 'closed-loop', target, plan: this.#plan, ...o },
        o.maxMs + 60_000,
      )
      return r.result
    } finally {
      await this.#setProgress(0)
    }
  }

  /** Publishes `ratePerSec` events for `durationMs`, round-robin over `range`. */
  async publishAtRate(
    target: PublishTarget,
    o: { range: ChannelRange; ratePerSec: number; durationMs: number; eventBytes: number; concurrency: number },
  ): Promise<PublishResult> {
    const r = await this.publisher.request<{ result: PublishResult }>(
      { op: 'rate', target, plan: this.#plan, ...o },
      o.durationMs + 60_000,
    )
    return r.result
  }

  /** Per-channel published counts over all channels of the current plan. */
  publishedVector(results: PublishResult[]): Int32Array {
    const v = new Int32Array(channelCount(this.#plan!))
    for (const r of results) r.counts.forEach((c, k) => (v[r.from + k]! += c))
    return v
  }

  /** Waits until every reading client has every published event (bounded). */
  async drain(published: Int32Array, timeoutMs = 20_000, stallMs = 3_000): Promise<{ done: boolean; received: number; expected: number }> {
    const rs = await Promise.all(
      this.workers.map((w) =>
        w.request<{ done: boolean; received: number; expected: number }>({ op: 'drain', published, timeoutMs, stallMs }, timeoutMs + 10_000),
      ),
    )
    return {
      done: rs.every((r) => r.done),
      received: rs.reduce((a, r) => a + r.received, 0),
      expected: rs.reduce((a, r) => a + r.expected, 0),
    }
  }

  async report(published: Int32Array | null): Promise<ReceiveReport> {
    const rs = await Promise.all(this.workers.map((w) => w.request<WorkerReport>({ op: 'report', published })))
    const pub = await this.publisher.request<{ cpuUs: number; wallMs: number }>({ op: 'cpu' })
    const sum = (f: (r: WorkerReport) => number) => rs.reduce((a, r) => a + f(r), 0)
    const closeCodes: Record<string, number> = {}
    for (const r of rs) for (const [c, n] of Object.entries(r.closeCodes)) closeCodes[c] = (closeCodes[c] ?? 0) + n
    return {
      received: sum((r) => r.received),
      other: sum((r) => r.other),
      short: sum((r) => r.short),
      missing: sum((r) => r.missing),
      extra: sum((r) => r.extra),
      pausedCount: sum((r) => r.pausedCount),
      pausedClosed: sum((r) => r.pausedClosed),
      closedOthers: sum((r) => r.closedOthers),
      closeCodes,
      samples: concatSamples(rs.map((r) => r.samples)),
      gen: [
        ...rs.map((r, k) => ({ name: `client-worker-${k}`, cpuUs: r.cpuUs, wallMs: r.wallMs })),
        { name: 'publisher', cpuUs: pub.cpuUs, wallMs: pub.wallMs },
      ],
    }
  }

  /** Makes the plan's designated slow consumers stop reading. */
  async pause(): Promise<number> {
    const rs = await Promise.all(this.workers.map((worker) => worker.request<{ paused: number }>({ op: 'pause' })))
    return rs.reduce((a, r) => a + r.paused, 0)
  }

  async resume(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.request({ op: 'resume' })))
  }

  /** Drops every client and reconnects them all at once. */
  async storm(concurrency: number): Promise<ConnectResult> {
    const w = this.workers.length
    return mergeConnect(
      await Promise.all(this.workers.map((worker) => worker.request<ConnectResult>({ op: 'storm', concurrency: Math.max(1, Math.round(concurrency / w)) }))),
    )
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.request({ op: 'close' })))
  }

  /** Ends the generator processes and waits (bounded) until they are gone, so none is left behind. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.workers, this.publisher].map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve()
            const timer = setTimeout(resolve, 3_000)
            p.child.once('exit', () => {
              clearTimeout(timer)
              resolve()
            })
            if (p.child.connected) p.child.disconnect()
            p.child.kill()
          }),
      ),
    )
  }

  async #setProgress(intervalMs: number): Promise<void> {
    await Promise.all(this.workers.map((w) => w.request({ op: 'progress', intervalMs })))
  }
}

function mergeConnect(rs: ConnectResult[]): ConnectResult {
  return {
    ok: rs.reduce((a, r) => a + r.ok, 0),
    failed: rs.reduce((a, r) => a + r.failed, 0),
    ms: Math.max(...rs.map((r) => r.ms)),
    errors: rs.flatMap((r) => r.errors).slice(0, 5),
  }
}

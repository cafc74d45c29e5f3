import type { ChildProcess } from 'node:child_process'

/**
 * Request/reply over a forked child's IPC channel (advanced serialisation, so
 * typed arrays cross as they are). Requests carry `reqId`; the child answers
 * with the same `reqId`. Messages without `reqId` are pushes (progress).
 */
interface Envelope {
  reqId?: number
  error?: string
  [key: string]: unknown
}

export class Peer {
  readonly child: ChildProcess
  readonly name: string
  #next = 1
  readonly #pending = new Map<number, { resolve: (v: Envelope) => void; reject: (e: Error) => void }>()
  #onPush: (msg: Envelope) => void = () => {}

  constructor(child: ChildProcess, name: string) {
    this.child = child
    this.name = name
    child.on('message', (raw) => {
      const msg = raw as Envelope
      if (msg.reqId === undefined) return this.#onPush(msg)
      const waiter = this.#pending.get(msg.reqId)
      if (!waiter) return
      this.#pending.delete(msg.reqId)
      if (msg.error !== undefined) waiter.reject(new Error(`${this.name}: ${msg.error}`))
      else waiter.resolve(msg)
    })
    child.on('exit', (code, signal) => {
      for (const w of this.#pending.values()) w.reject(new Error(`${this.name} exited (${code ?? signal})`))
      this.#pending.clear()
    })
  }

  onPush(fn: (msg: Envelope) => void): void {
    this.#onPush = fn
  }

  /** Sends a request and waits for its reply, failing after `timeoutMs`. */
  request<T>(msg: Record<string, unknown>, timeoutMs = 120_000): Promise<T> {
    const reqId = this.#next++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(reqId)
        reject(new Error(`${this.name}: no reply to ${String(msg.op)} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#pending.set(reqId, {
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v as T)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
      this.child.send({ ...msg, reqId })
    })
  }

  /** Fire-and-forget message (no reply expected). */
  tell(msg: Record<string, unknown>): void {
    if (this.child.connected) this.child.send(msg)
  }
}

/**
 * Child side: answers requests with `handler`'s result. A thrown error becomes
 * `{error}` so the parent's promise rejects instead of the child dying.
 */
export function serve(handler: (msg: Record<string, unknown>) => Promise<Record<string, unknown> | void> | Record<string, unknown> | void): void {
  process.on('message', (raw) => {
    const msg = raw as Envelope
    Promise.resolve()
      .then(() => handler(msg))
      .then(
        (reply) => {
          if (msg.reqId !== undefined) process.send?.({ ...(reply ?? {}), reqId: msg.reqId })
        },
        (err: unknown) => {
          if (msg.reqId !== undefined) process.send?.({ reqId: msg.reqId, error: err instanceof Error ? err.message : String(err) })
        },
      )
  })
  // Never outlive the orchestrator.
  process.on('disconnect', () => process.exit(0))
}

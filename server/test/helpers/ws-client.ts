import WebSocket from 'ws'

type Frame = Record<string, unknown> & { type: string }

/**
 * A raw protocol client for tests: every frame is queued, `next` takes the
 * first one matching (waiting, bounded, when none has arrived yet).
 */
export class TestClient {
  readonly socket: WebSocket
  readonly closed: Promise<{ code: number; reason: string }>
  readonly #queue: Frame[] = []
  #waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = []

  constructor(socket: WebSocket) {
    this.socket = socket
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame
      const i = this.#waiters.findIndex((w) => w.match(frame))
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(frame)
      else this.#queue.push(frame)
    })
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })))
  }

  /** Opens `/ws/connect?token=` (authenticated at the upgrade) and waits for `welcome`. */
  static async connect(baseUrl: string, token: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/connect?token=${encodeURIComponent(token)}`, { headers })
    const client = new TestClient(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    await client.next((f) => f.type === 'welcome')
    return client
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame))
  }

  /** The first queued or coming frame that matches (default: any), within `ms`. */
  next(match: (f: Frame) => boolean = () => true, ms = 5_000): Promise<Frame> {
    const i = this.#queue.findIndex(match)
    if (i >= 0) return Promise.resolve(this.#queue.splice(i, 1)[0]!)
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (f: Frame) => (clearTimeout(timer), resolve(f)) }
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        reject(new Error(`no matching frame within ${ms} ms; queued: ${JSON.stringify(this.#queue.slice(-5))}`))
      }, ms)
      this.#waiters.push(waiter)
    })
  }

  /** Sends a request with an id and waits for the frame echoing it. */
  async request(frame: Record<string, unknown> & { type: string }, ms?: number): Promise<Frame> {
    const id = `r${Math.random().toString(36).slice(2, 10)}`
    this.send({ ...frame, id })
    return this.next((f) => f.id === id, ms)
  }

  /** Frames received and not taken yet (pushes that nobody waited for). */
  pending(match: (f: Frame) => boolean = () => true): Frame[] {
    return this.#queue.filter(match)
  }

  close(): void {
    this.socket.close()
  }
}

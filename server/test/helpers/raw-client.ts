import WebSocket from 'ws'

export interface Frame {
  type: string
  [key: string]: any
}

/**
 * A raw protocol client for wire-level tests: records every frame and the
 * close code, and waits for the next frame matching a predicate.
 */
export class RawClient {
  readonly socket: WebSocket
  readonly frames: Frame[] = []
  closeCode: number | undefined
  closeReason = ''
  readonly #waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = []
  readonly #closed: Promise<number>
  #cursor = 0

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.socket = new WebSocket(url, options)
    this.socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame
      this.frames.push(frame)
      const i = this.#waiters.findIndex((w) => w.match(frame))
      if (i !== -1) {
        this.#waiters.splice(i, 1)[0]!.resolve(frame)
        this.#cursor = this.frames.length
      }
    })
    this.#closed = new Promise((resolve) =>
      this.socket.on('close', (code, reason) => {
        this.closeCode = code
        this.closeReason = reason.toString()
        resolve(code)
      }),
    )
    this.socket.on('error', () => {})
  }

  static async open(url: string, options?: WebSocket.ClientOptions): Promise<RawClient> {
    const c = new RawClient(url, options)
    await new Promise<void>((resolve, reject) => {
      c.socket.once('open', () => resolve())
      c.socket.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode })))
      c.socket.once('error', reject)
    })
    return c
  }

  /** Opens `/ws`, waits for welcome, authenticates; resolves with auth_success. */
  static async authed(wsBase: string, token: string): Promise<RawClient> {
    const c = await RawClient.open(`${wsBase}/ws`)
    await c.next('welcome')
    c.send({ type: 'auth', token })
    await c.next('auth_success')
    return c
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Next frame (not yet consumed) of the given type or predicate. */
  next(match: string | ((f: Frame) => boolean), timeoutMs = 3000): Promise<Frame> {
    const pred = typeof match === 'string' ? (f: Frame) => f.type === match : match
    for (let i = this.#cursor; i < this.frames.length; i++) {
      const f = this.frames[i]!
      if (pred(f)) {
        this.#cursor = i + 1
        return Promise.resolve(f)
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${typeof match === 'string' ? match : 'frame'}; got ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs)
      this.#waiters.push({ match: pred, resolve: (f) => (clearTimeout(timer), resolve(f)) })
    })
  }

  /** Sends a request with an id and waits for the frame echoing it. */
  async request(frame: Record<string, unknown>, id = `r${Math.random().toString(36).slice(2, 8)}`): Promise<Frame> {
    const reply = this.next((f) => f.id === id)
    this.send({ ...frame, id })
    return reply
  }

  closed(timeoutMs = 5000): Promise<number> {
    return Promise.race([this.#closed, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('socket did not close')), timeoutMs))])
  }

  /** Frames of a type received so far. */
  all(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type)
  }

  close(): void {
    this.socket.close()
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

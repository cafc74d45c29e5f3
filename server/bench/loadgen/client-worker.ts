import WebSocket from 'ws'
import { signJwt } from '../jwt.ts'
import { type ChannelPlan, channelName, channelsOfClient, isSlow } from './channel-plan.ts'
import { PROBE_MARK_BYTES, nowMs } from './payload.ts'
import { type ClientTarget, answerHeartbeat, clientUrl, decodeSentAt, handshake } from './protocols.ts'
import { serve } from './rpc.ts'

/**
 * One load-generator process holding a slice `[from, to)` of the clients.
 *
 * The receive path is the same for every contender: a `ws` client per
 * connection (no permessage-deflate, no UTF-8 validation) whose message
 * listener counts event frames by the probe marker and JSON-parses only one
 * frame in `sampleEvery` for latency. Nothing else is parsed, so the generator
 * stays far cheaper per message than any server it measures.
 */

const MAX_SAMPLES = 400_000
const CONNECT_TIMEOUT_MS = 20_000

let target: ClientTarget | undefined
let plan: ChannelPlan | undefined
let secret = ''
let origin: string | undefined
let from = 0
let size = 0

let sockets: (WebSocket | undefined)[] = []
let counts = new Int32Array(0)
/** 0 while open; the close code (1006 for none) once closed. */
let closeCodes = new Uint16Array(0)
let paused = new Uint8Array(0)
let received = 0
let other = 0

let sampleEvery = 0
let countdown = 0
let samples = new Float64Array(MAX_SAMPLES)
let sampleCount = 0

let cpuBase = process.cpuUsage()
let wallBase = performance.now()
let progressTimer: NodeJS.Timeout | undefined

function onEvent(local: number, frame: Buffer): void {
  counts[local]!++
  received++
  if (sampleEvery > 0 && --countdown <= 0) {
    countdown = sampleEvery
    const at = nowMs()
    const sent = decodeSentAt(target!.protocol, frame)
    if (sampleCount < MAX_SAMPLES && !Number.isNaN(sent)) samples[sampleCount++] = at - sent
  }
}

/** Opens client `local` and resolves once it is subscribed (or rejects). */
function openOne(local: number): Promise<void> {
  const t = target!
  const p = plan!
  const i = from + local
  const token = signJwt({ sub: `u${i}`, tenant: 'bench', roles: ['user'] }, secret)
  const channels = channelsOfClient(p, i).map((c) => channelName(p, c))
  const hs = handshake(t.protocol, token, channels)
  return new Promise<void>((resolve, reject) => {
    let subscribed = false
    let settled = false
    const ws = new WebSocket(clientUrl(t, token), {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: CONNECT_TIMEOUT_MS,
      ...(origin ? { origin } : {}),
    })
    sockets[local] = ws
    closeCodes[local] = 0
    const fail = (why: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      ws.terminate()
      reject(new Error(why))
    }
    const timer = setTimeout(() => fail('timeout before subscribed'), CONNECT_TIMEOUT_MS)
    ws.on('open', () => hs.open(ws))
    ws.on('message', (frame: Buffer) => {
      if (subscribed) {
        if (frame.indexOf(PROBE_MARK_BYTES) !== -1) onEvent(local, frame)
        else if (!answerHeartbeat(t.protocol, ws, frame)) other++
        return
      }
      const step = hs.step(ws, frame)
      if (step === true) {
        subscribed = true
        settled = true
        clearTimeout(timer)
        resolve()
      } else if (typeof step === 'string') fail(step)
    })
    ws.on('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode} at upgrade`))
    ws.on('error', (err) => fail(err.message))
    ws.on('close', (code) => {
      closeCodes[local] = code || 1006
      fail(`closed ${code} before subscribed`)
    })
  })
}

/** Opens `locals` with at most `concurrency` handshakes in flight. */
async function openMany(locals: number[], concurrency: number): Promise<{ ok: number; failed: number; errors: string[] }> {
  let next = 0
  let ok = 0
  let failed = 0
  const errors: string[] = []
  const lane = async () => {
    while (next < locals.length) {
      const local = locals[next++]!
      try {
        await openOne(local)
        ok++
      } catch (err) {
        failed++
        if (errors.length < 5) errors.push(`client ${from + local}: ${(err as Error).message}`)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, locals.length)) }, lane))
  return { ok, failed, errors }
}

function terminateAll(): Promise<void> {
  const open = sockets.filter((ws): ws is WebSocket => ws !== undefined && ws.readyState !== WebSocket.CLOSED)
  if (open.length === 0) return Promise.resolve()
  return new Promise((resolve) => {
    let left = open.length
    const done = () => {
      if (--left === 0) {
        clearTimeout(timer)
        resolve()
      }
    }
    const timer = setTimeout(resolve, 5_000)
    for (const ws of open) {
      ws.once('close', done)
      ws.terminate()
    }
  })
}

function expectedFor(published: Int32Array, local: number): number {
  let n = 0
  for (const c of channelsOfClient(plan!, from + local)) n += published[c] ?? 0
  return n
}

function cpuSinceReset(): { cpuUs: number; wallMs: number } {
  const u = process.cpuUsage(cpuBase)
  return { cpuUs: u.user + u.system, wallMs: performance.now() - wallBase }
}

serve(async (msg) => {
  switch (msg.op) {
    case 'connect': {
      target = msg.target as ClientTarget
      plan = msg.plan as ChannelPlan
      secret = msg.secret as string
      origin = msg.origin as string | undefined
      from = msg.from as number
      size = (msg.to as number) - from
      sockets = new Array<WebSocket | undefined>(size)
      counts = new Int32Array(size)
      closeCodes = new Uint16Array(size)
      paused = new Uint8Array(size)
      const started = performance.now()
      const r = await openMany(Array.from({ length: size }, (_, k) => k), msg.concurrency as number)
      return { ...r, ms: performance.now() - started }
    }
    case 'reset': {
      counts.fill(0)
      received = 0
      other = 0
      sampleEvery = msg.sampleEvery as number
      countdown = sampleEvery > 0 ? 1 + Math.floor(Math.random() * sampleEvery) : 0
      sampleCount = 0
      cpuBase = process.cpuUsage()
      wallBase = performance.now()
      return {}
    }
    case 'progress': {
      clearInterval(progressTimer)
      const every = msg.intervalMs as number
      if (every > 0) progressTimer = setInterval(() => process.send?.({ op: 'progress', received }), every)
      return {}
    }
    case 'drain': {
      // Waits until every open, reading socket got what was published on its
      // channels, or until nothing arrives for `stallMs`.
      const published = msg.published as Int32Array
      let expected = 0
      for (let k = 0; k < size; k++) if (closeCodes[k] === 0 && !paused[k]) expected += expectedFor(published, k)
      const deadline = performance.now() + (msg.timeoutMs as number)
      let last = -1
      let lastChange = performance.now()
      const readingReceived = () => {
        let n = 0
        for (let k = 0; k < size; k++) if (!paused[k]) n += counts[k]!
        return n
      }
      for (;;) {
        const got = readingReceived()
        const now = performance.now()
        if (got >= expected) return { done: true, received: got, expected }
        if (got !== last) {
          last = got
          lastChange = now
        }
        if (now > deadline || now - lastChange > (msg.stallMs as number)) return { done: false, received: got, expected }
        await new Promise((r) => setTimeout(r, 10))
      }
    }
    case 'report': {
      const published = msg.published as Int32Array | null
      let short = 0
      let extra = 0
      let missing = 0
      let pausedCount = 0
      let pausedClosed = 0
      let closedOthers = 0
      const codes: Record<string, number> = {}
      for (let k = 0; k < size; k++) {
        const code = closeCodes[k]!
        if (paused[k]) {
          pausedCount++
          if (code !== 0) pausedClosed++
        } else if (code !== 0) closedOthers++
        if (code !== 0) codes[code] = (codes[code] ?? 0) + 1
        if (!published || paused[k] || code !== 0) continue
        const want = expectedFor(published, k)
        if (counts[k]! < want) {
          short++
          missing += want - counts[k]!
        } else if (counts[k]! > want) extra++
      }
      return {
        received,
        other,
        short,
        extra,
        missing,
        sockets: size,
        pausedCount,
        pausedClosed,
        closedOthers,
        closeCodes: codes,
        samples: samples.slice(0, sampleCount),
        ...cpuSinceReset(),
      }
    }
    case 'pause': {
      // The plan's slow consumers stop reading (the kernel buffers fill, then the server's).
      let n = 0
      for (let k = 0; k < size; k++) {
        if (!isSlow(plan!, from + k)) continue
        sockets[k]?.pause()
        paused[k] = 1
        n++
      }
      return { paused: n }
    }
    case 'resume': {
      for (let k = 0; k < size; k++) if (paused[k]) sockets[k]?.resume()
      return {}
    }
    case 'storm': {
      // Every client drops at once and reconnects at once: a reconnect storm.
      await terminateAll()
      paused.fill(0)
      const started = performance.now()
      const r = await openMany(Array.from({ length: size }, (_, k) => k), msg.concurrency as number)
      return { ...r, ms: performance.now() - started }
    }
    case 'close': {
      clearInterval(progressTimer)
      await terminateAll()
      sockets = []
      return {}
    }
    default:
      throw new Error(`unknown op ${String(msg.op)}`)
  }
})

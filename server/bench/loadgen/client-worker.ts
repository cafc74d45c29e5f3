import type { Socket } from 'node:net'
import WebSocket from 'ws'
import { signJwt } from '../jwt.ts'
import { type ChannelPlan, channelName, channelsOfClient, isSlow } from './channel-plan.ts'
import { PROBE_MARK_BYTES, nowMs } from './payload.ts'
import { type NativeReceiver, loadNativeReceiver } from './native-receiver.ts'
import { type ClientTarget, answerHeartbeat, clientUrl, decodeSentAt, handshake } from './protocols.ts'
import { serve } from './rpc.ts'

/**
 * One load-generator process holding a slice `[from, to)` of the clients.
 *
 * The receive path is the same for every contender. A `ws` client per
 * connection (no permessage-deflate, no UTF-8 validation) connects and runs the
 * contender's handshake. Once subscribed, the socket is handed to the native
 * receiver (`native-receiver.ts`, when it was built: its path is this process's
 * first argument): an epoll thread counts event frames by the probe marker and
 * timestamps one in `sampleEvery`, with no JavaScript per frame; it hands back
 * heartbeats and closes, answered here through the `ws` client. Without it the
 * `ws` client's message listener does the same in JavaScript (about 17 µs of
 * generator CPU per frame at low rates, against 3–4 µs natively).
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

const native: NativeReceiver | undefined = process.argv[2] ? loadNativeReceiver(process.argv[2]) : undefined
let nativeStarted = false
/** Per client: 1 while its socket is read by the native receiver. */
let handed = new Uint8Array(0)
/** Per client: generation of its socket, so a late note about an old socket is ignored. */
let gens = new Uint32Array(0)

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

/**
 * Moves reading of `ws`'s socket to the native receiver. Runs on the tick after
 * `subscribed`, once `ws` has parsed every whole frame of the chunk that
 * carried it; a socket with part of a frame left in `ws` stays on `ws`.
 */
function handOver(local: number, ws: WebSocket): void {
  const inner = ws as unknown as { _socket: Socket & { _handle?: { fd?: number; reading?: boolean; readStop(): number } }; _receiver: { _bufferedBytes: number } }
  const socket = inner._socket
  const handle = socket?._handle
  if (!native || !handle || typeof handle.fd !== 'number' || handle.fd < 0 || inner._receiver._bufferedBytes !== 0) return
  if (ws.readyState !== WebSocket.OPEN || sockets[local] !== ws) return
  // Node must never read this socket again: stop libuv's reads and keep the
  // stream from restarting them (Readable calls _read to refill its buffer).
  socket._read = () => {}
  // Whatever closes the socket from now on (terminateAll, a close note, ws
  // itself), the reader lets go of the descriptor before Node closes it (it
  // could be reused at once): the one place that takes a socket back.
  const destroy = socket._destroy
  socket._destroy = function (this: Socket, err, cb) {
    reclaim(local)
    destroy.call(this, err, cb)
  }
  handle.readStop()
  handle.reading = false
  native.add(local, handle.fd, ++gens[local]!)
  handed[local] = 1
}

/** Native receiver's note about client `local`: a heartbeat or other non-event frame, or its close. */
function onNote(local: number, gen: number, opcode: number, payload: Buffer | number): void {
  if (gen !== gens[local] || !handed[local]) return
  const ws = sockets[local]
  if (!ws) return
  if (opcode === -1) {
    handed[local] = 0
    if (closeCodes[local] === 0) closeCodes[local] = payload as number
    ws.terminate()
    return
  }
  if (opcode === 9) ws.pong(payload as Buffer)
  else if (opcode === 1 || opcode === 2) answerHeartbeat(target!.protocol, ws, payload as Buffer)
}

/** Takes client `local`'s socket back from the native receiver before it is closed. */
function reclaim(local: number): void {
  if (!handed[local]) return
  handed[local] = 0
  native!.remove(local)
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
        if (native) process.nextTick(handOver, local, ws)
        resolve()
      } else if (typeof step === 'string') fail(step)
    })
    ws.on('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode} at upgrade`))
    ws.on('error', (err) => fail(err.message))
    ws.on('close', (code) => {
      // A close the native receiver saw first keeps its code.
      if (closeCodes[local] === 0) closeCodes[local] = code || 1006
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

const NO_COUNTS = new Int32Array(0)

function totalReceived(): number {
  return nativeStarted ? received + native!.read(NO_COUNTS, false).received : received
}

/** Events per client since the last reset: those `ws` parsed plus those the native receiver read. */
function allCounts(): Int32Array {
  if (!nativeStarted) return counts
  const merged = counts.slice()
  native!.read(merged, false)
  return merged
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
      handed = new Uint8Array(size)
      gens = new Uint32Array(size)
      if (native) {
        if (nativeStarted) native.stop()
        native.start(size, nowMs(), onNote)
        nativeStarted = true
      }
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
      if (nativeStarted) native!.reset(sampleEvery)
      cpuBase = process.cpuUsage()
      wallBase = performance.now()
      return {}
    }
    case 'progress': {
      clearInterval(progressTimer)
      const every = msg.intervalMs as number
      if (every > 0) progressTimer = setInterval(() => process.send?.({ op: 'progress', received: totalReceived() }), every)
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
        const all = allCounts()
        let n = 0
        for (let k = 0; k < size; k++) if (!paused[k]) n += all[k]!
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
      const all = allCounts()
      const nat = nativeStarted ? native!.read(NO_COUNTS, true) : undefined
      for (let k = 0; k < size; k++) {
        const code = closeCodes[k]!
        if (paused[k]) {
          pausedCount++
          if (code !== 0) pausedClosed++
        } else if (code !== 0) closedOthers++
        if (code !== 0) codes[code] = (codes[code] ?? 0) + 1
        if (!published || paused[k] || code !== 0) continue
        const want = expectedFor(published, k)
        if (all[k]! < want) {
          short++
          missing += want - all[k]!
        } else if (all[k]! > want) extra++
      }
      const natSamples = nat?.samples ?? new Float64Array(0)
      const allSamples = new Float64Array(sampleCount + natSamples.length)
      allSamples.set(samples.subarray(0, sampleCount))
      allSamples.set(natSamples, sampleCount)
      return {
        received: received + (nat?.received ?? 0),
        other: other + (nat?.other ?? 0),
        short,
        extra,
        missing,
        sockets: size,
        pausedCount,
        pausedClosed,
        closedOthers,
        closeCodes: codes,
        samples: allSamples,
        ...cpuSinceReset(),
      }
    }
    case 'pause': {
      // The plan's slow consumers stop reading (the kernel buffers fill, then the server's).
      let n = 0
      for (let k = 0; k < size; k++) {
        if (!isSlow(plan!, from + k)) continue
        if (handed[k]) native!.pause(k)
        else sockets[k]?.pause()
        paused[k] = 1
        n++
      }
      return { paused: n }
    }
    case 'resume': {
      for (let k = 0; k < size; k++) {
        if (!paused[k]) continue
        if (handed[k]) native!.resume(k)
        else sockets[k]?.resume()
      }
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

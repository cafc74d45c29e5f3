import http from 'node:http'
import { signJwt } from '../jwt.ts'
import { type ChannelPlan, type ChannelRange, channelName } from './channel-plan.ts'
import { EVENT_TYPE, eventData } from './payload.ts'
import { serve } from './rpc.ts'

/**
 * The publisher process: every contender is fed through the same HTTP publish
 * call (`POST <path>` with a service JWT and `{type, tenant, channel, data}`),
 * so the publish path is part of what is measured, exactly as for
 * Switchboard's `POST /api/publish`.
 *
 * Two modes: closed loop (as fast as the receivers keep up: at most `window`
 * deliveries outstanding, credit coming from the client workers' progress) and
 * open loop at a fixed rate (the send time is taken when a publish is due, so
 * a slow server shows up as latency instead of being hidden by back-off).
 */
export interface PublishTarget {
  host: string
  port: number
  path: string
}

export interface PublishResult {
  from: number
  counts: Int32Array
  published: number
  errors: number
  firstError?: string
  ms: number
}

let received = 0
let stopRequested = false
let wake: () => void = () => {}
let cpuBase = process.cpuUsage()
let wallBase = performance.now()
let seq = 0

interface Run {
  target: PublishTarget
  plan: ChannelPlan
  range: ChannelRange
  eventBytes: number
  concurrency: number
}

function makeSender(run: Run) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: run.concurrency })
  const token = signJwt({ sub: 'bench-publisher', tenant: 'bench', roles: ['service'] }, secret)
  const n = run.range.to - run.range.from
  const counts = new Int32Array(n)
  let rr = 0
  let inflight = 0
  let errors = 0
  let firstError: string | undefined
  const send = (onDone: (ok: boolean) => void) => {
    const slot = rr++ % n
    const body = JSON.stringify({
      type: EVENT_TYPE,
      tenant: 'bench',
      channel: channelName(run.plan, run.range.from + slot),
      data: eventData(run.eventBytes, ++seq),
    })
    inflight++
    const req = http.request(
      {
        host: run.target.host,
        port: run.target.port,
        path: run.target.path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => {
          if (res.statusCode !== 200 && res.statusCode !== 202) chunks.push(c)
        })
        res.on('end', () => {
          inflight--
          const ok = res.statusCode === 200 || res.statusCode === 202
          if (ok) counts[slot]!++
          else {
            errors++
            firstError ??= `HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`
          }
          onDone(ok)
        })
      },
    )
    req.on('error', (err) => {
      inflight--
      errors++
      firstError ??= err.message
      onDone(false)
    })
    req.end(body)
  }
  return {
    send,
    inflight: () => inflight,
    errors: () => errors,
    result: (ms: number): PublishResult => {
      agent.destroy()
      return { from: run.range.from, counts, published: counts.reduce((a, b) => a + b, 0), errors, firstError, ms }
    },
  }
}

function closedLoop(run: Run & { window: number; fanout: number; maxMs: number }): Promise<PublishResult> {
  const sender = makeSender(run)
  const started = performance.now()
  let issued = 0
  return new Promise((resolve) => {
    const finishIfDone = () => {
      if (stopRequested && sender.inflight() === 0) {
        clearTimeout(timer)
        resolve(sender.result(performance.now() - started))
      }
    }
    const pump = () => {
      // A server that refuses every publish would otherwise be hammered until maxMs.
      if (sender.errors() > 50) stopRequested = true
      while (!stopRequested && sender.inflight() < run.concurrency && issued * run.fanout - received < run.window) {
        issued++
        sender.send((ok) => {
          // A refused publish delivers nothing: give its credit back.
          if (!ok) issued--
          pump()
          finishIfDone()
        })
      }
      finishIfDone()
    }
    const timer = setTimeout(() => {
      stopRequested = true
      finishIfDone()
    }, run.maxMs)
    wake = pump
    pump()
  })
}

function atRate(run: Run & { ratePerSec: number; durationMs: number }): Promise<PublishResult> {
  const sender = makeSender(run)
  const started = performance.now()
  const interval = 1000 / run.ratePerSec
  const total = Math.max(1, Math.round((run.durationMs / 1000) * run.ratePerSec))
  let fired = 0
  return new Promise((resolve) => {
    const finishIfDone = () => {
      if ((fired >= total || stopRequested) && sender.inflight() === 0) resolve(sender.result(performance.now() - started))
    }
    const tick = () => {
      const now = performance.now()
      // Fire everything that is due, so a late timer does not lower the rate.
      while (fired < total && !stopRequested && started + fired * interval <= now) {
        fired++
        sender.send(finishIfDone)
      }
      if (fired < total && !stopRequested) setTimeout(tick, Math.max(0, started + fired * interval - performance.now()))
      else finishIfDone()
    }
    tick()
  })
}

let secret = ''

serve(async (msg) => {
  switch (msg.op) {
    case 'init':
      secret = msg.secret as string
      return {}
    case 'reset':
      cpuBase = process.cpuUsage()
      wallBase = performance.now()
      return {}
    case 'cpu': {
      const u = process.cpuUsage(cpuBase)
      return { cpuUs: u.user + u.system, wallMs: performance.now() - wallBase }
    }
    case 'received':
      received = msg.total as number
      wake()
      return
    case 'stop':
      stopRequested = true
      wake()
      return {}
    case 'closed-loop':
      received = 0
      stopRequested = false
      return { result: await closedLoop(msg as unknown as Run & { window: number; fanout: number; maxMs: number }) }
    case 'rate':
      stopRequested = false
      return { result: await atRate(msg as unknown as Run & { ratePerSec: number; durationMs: number }) }
    default:
      throw new Error(`unknown op ${String(msg.op)}`)
  }
})

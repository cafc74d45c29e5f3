import { randomBytes } from 'node:crypto'
import type { StreamPosition } from '@switchboard/shared'
import type { Redis } from 'ioredis'
import { decodeClusterMessage, encodeUnstamped } from '../bus/cluster-codec.ts'
import type { EventMessage } from '../bus/cluster-message.ts'
import type { HubEvent } from '../realtime/event.ts'
import type { RedisKeys } from '../redis/keys.ts'
import { LuaScript } from '../redis/lua-script.ts'
import type { HistoryPolicy, HistoryStore, RecoverResult } from './history.ts'

/**
 * The meta hash (`epoch`, `top`) outlives the stream: a quiet channel whose
 * events all expired keeps its position, so a client that saw the last event
 * is told `recovered:true` with nothing to replay instead of a needless reload.
 */
const META_MIN_TTL_MS = 86_400_000

/**
 * KEYS: stream, meta. ARGV: fresh epoch, max length, stream TTL ms, meta TTL
 * ms, event time ms, message JSON, topic ('' = store only).
 * Missing meta = history lost (Redis restarted empty, or expired): a new
 * epoch, and the stream's leftovers go with the old one. The offset, the
 * stream entry (id `<offset>-0`) and the PUBLISH happen in one script, so
 * every subscriber receives a stream's events in offset order.
 */
const APPEND = new LuaScript(`
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  redis.call('DEL', KEYS[1])
  epoch = ARGV[1]
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'top', 0)
end
local offset = redis.call('HINCRBY', KEYS[2], 'top', 1)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], offset .. '-0', 't', ARGV[5], 'm', ARGV[6])
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if ARGV[7] ~= '' then redis.call('PUBLISH', ARGV[7], 'S' .. offset .. '|' .. epoch .. '|' .. ARGV[6]) end
return {offset, epoch}
`)

/**
 * KEYS: stream, meta. ARGV: fresh epoch, meta TTL ms, since epoch ('' =
 * position only), since offset, oldest acceptable event time ms, max gap.
 * Returns {epoch, top} or {epoch, top, recovered(0|1), id, message, id, message...}. One
 * script: the position and the entries are read at the same instant.
 */
const RECOVER = new LuaScript(`
local epoch = redis.call('HGET', KEYS[2], 'epoch')
local top = 0
if not epoch then
  redis.call('DEL', KEYS[1])
  epoch = ARGV[1]
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'top', 0)
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
else
  top = tonumber(redis.call('HGET', KEYS[2], 'top'))
end
if ARGV[3] == '' then return {epoch, top} end
local since = tonumber(ARGV[4])
if ARGV[3] ~= epoch or since > top or top - since > tonumber(ARGV[6]) then return {epoch, top, 0} end
if since == top then return {epoch, top, 1} end
local first = (since + 1) .. '-0'
local entries = redis.call('XRANGE', KEYS[1], first, '+')
if #entries == 0 or entries[1][1] ~= first then return {epoch, top, 0} end
local fields = entries[1][2]
for i = 1, #fields, 2 do
  if fields[i] == 't' and tonumber(fields[i + 1]) < tonumber(ARGV[5]) then return {epoch, top, 0} end
end
local out = {epoch, top, 1}
for _, entry in ipairs(entries) do
  local f = entry[2]
  for i = 1, #f, 2 do
    if f[i] == 'm' then
      out[#out + 1] = entry[1]
      out[#out + 1] = f[i + 1]
    end
  end
end
return out
`)

/**
 * History in Redis Streams, shared by every instance (reference for the
 * semantics: memory-history.ts). Offsets count per stream in its meta hash;
 * entries are trimmed with `MAXLEN ~ size` (Redis keeps at least `size`) and
 * expire with the policy's TTL, and a recovery is refused beyond `size` or
 * TTL exactly as in memory, so the answer does not depend on Redis's
 * trimming granularity.
 */
export class RedisHistory implements HistoryStore {
  readonly #redis: Redis
  readonly #keys: RedisKeys
  readonly #policyFor: (streamKey: string) => HistoryPolicy
  readonly #now: () => number

  constructor(redis: Redis, keys: RedisKeys, policyFor: (streamKey: string) => HistoryPolicy, now: () => number = Date.now) {
    this.#redis = redis
    this.#keys = keys
    this.#policyFor = policyFor
    this.#now = now
  }

  append(streamKey: string, event: HubEvent): Promise<HubEvent> {
    return this.appendAndPublish(streamKey, this.#policyFor(streamKey), { kind: 'event', origin: '', event }, '')
  }

  /** Assigns the next offset, stores the event and (when `topic` is set) publishes it, atomically. */
  async appendAndPublish(streamKey: string, policy: HistoryPolicy, message: EventMessage, topic: string): Promise<HubEvent> {
    const event = message.event
    const ts = Date.parse(event.ts)
    const reply = (await APPEND.run(
      this.#redis,
      [this.#keys.stream(streamKey), this.#keys.streamMeta(streamKey)],
      [newEpoch(), Math.max(1, policy.size), Math.max(0, policy.ttlMs), metaTtl(policy), Number.isFinite(ts) ? ts : this.#now(), encodeUnstamped(message), topic],
    )) as [number, string]
    return { ...event, offset: Number(reply[0]), epoch: String(reply[1]) }
  }

  async recover(streamKey: string, since: StreamPosition): Promise<RecoverResult> {
    const policy = this.#policyFor(streamKey)
    const reply = (await RECOVER.run(
      this.#redis,
      [this.#keys.stream(streamKey), this.#keys.streamMeta(streamKey)],
      [newEpoch(), metaTtl(policy), since.epoch, since.offset, this.#now() - policy.ttlMs, policy.size],
    )) as unknown[]
    const position = { offset: Number(reply[1]), epoch: String(reply[0]) }
    if (Number(reply[2]) !== 1) return { recovered: false, position }
    const events: HubEvent[] = []
    let expected = since.offset + 1
    for (let i = 3; i + 1 < reply.length; i += 2) {
      const offset = Number.parseInt(String(reply[i]), 10)
      const event = decodeStored(String(reply[i + 1]), offset, position.epoch)
      // an entry we cannot read, or a missing offset, is a hole: refuse rather than replay around it
      if (event === null || offset !== expected++) return { recovered: false, position }
      events.push(event)
    }
    return { recovered: true, events, position }
  }

  async position(streamKey: string): Promise<StreamPosition> {
    const reply = (await RECOVER.run(
      this.#redis,
      [this.#keys.stream(streamKey), this.#keys.streamMeta(streamKey)],
      [newEpoch(), metaTtl(this.#policyFor(streamKey)), '', 0, 0, 0],
    )) as unknown[]
    return { offset: Number(reply[1]), epoch: String(reply[0]) }
  }

  /** The Redis connection belongs to whoever created it (the bus). */
  close(): Promise<void> {
    return Promise.resolve()
  }
}

function decodeStored(json: string, offset: number, epoch: string): HubEvent | null {
  const message = decodeClusterMessage(json)
  if (message === null || message.kind !== 'event') return null
  return { ...message.event, offset, epoch }
}

function metaTtl(policy: HistoryPolicy): number {
  return Math.max(META_MIN_TTL_MS, policy.ttlMs * 2)
}

/** Short and unique enough: a collision would need two epochs of one stream to match. */
function newEpoch(): string {
  return randomBytes(6).toString('hex')
}

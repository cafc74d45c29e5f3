import { randomUUID } from 'node:crypto'
import type { Bus } from '../../bus/bus.ts'
import type { EventCatalog } from '../../catalog/event-catalog.ts'
import { streamKey, type HistoryPolicy, type HistoryStore } from '../../history/history.ts'
import type { HubEvent, Target } from '../../realtime/event.ts'
import { HttpProblem } from '../../http-problem.ts'

export interface PublishInput {
  type: string
  data: unknown
  target: Target
}

/**
 * The one way an event enters the hub (HTTP publish, notifications, devices,
 * logs): validate against the catalog, stamp id and time, give it an offset
 * when its channel keeps history, then one bus publish.
 */
export class Publisher {
  readonly #catalog: EventCatalog
  readonly #bus: Bus
  readonly #history: HistoryStore
  readonly #historyPolicy: (channel: string) => HistoryPolicy | undefined
  readonly #instanceId: string

  constructor(opts: {
    catalog: EventCatalog
    bus: Bus
    history: HistoryStore
    historyPolicy: (channel: string) => HistoryPolicy | undefined
    instanceId: string
  }) {
    this.#catalog = opts.catalog
    this.#bus = opts.bus
    this.#history = opts.history
    this.#historyPolicy = opts.historyPolicy
    this.#instanceId = opts.instanceId
  }

  /** The 400 an event would get: unknown type, or data its schema refuses (`pathPrefix` before each issue's path). */
  check(input: { type: string; data: unknown }, pathPrefix = ''): HttpProblem | null {
    const issues = this.#catalog.validate(input.type, input.data)
    if (issues === null) return null
    const unknownType = !this.#catalog.has(input.type)
    return new HttpProblem(
      400,
      'INVALID_FRAME',
      unknownType ? `Unknown event type "${input.type}"` : `Invalid data for "${input.type}"`,
      issues.map((i) => ({ path: `${pathPrefix}${i.path}`, message: i.message })),
    )
  }

  async publish(input: PublishInput): Promise<HubEvent> {
    const problem = this.check(input)
    if (problem !== null) throw problem
    const now = performance.timeOrigin + performance.now()
    let event: HubEvent = {
      id: randomUUID(),
      type: input.type,
      ts: new Date(now).toISOString(),
      target: input.target,
      data: input.data,
      publishedAt: now,
    }
    const t = input.target
    const policy = t.kind === 'channel' ? this.#historyPolicy(t.channel) : undefined
    const bus = this.#bus
    try {
      if (t.kind === 'channel' && policy !== undefined) {
        const key = streamKey(t.tenant, t.channel)
        // one atomic step where the bus can (Redis): delivery order = offset order on every instance
        if (bus.publishToStream !== undefined) return await bus.publishToStream(key, policy, { kind: 'event', origin: this.#instanceId, event })
        event = await this.#history.append(key, event)
      }
      await bus.publish({ kind: 'event', origin: this.#instanceId, event })
    } catch (err) {
      throw new HttpProblem(503, 'UNAVAILABLE', `Event bus unavailable: ${(err as Error).message}`)
    }
    return event
  }
}

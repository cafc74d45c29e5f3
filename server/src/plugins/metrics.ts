import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { HubMetrics } from '../realtime/hub.ts'

/**
 * A counter by one label for the per-event and per-frame paths. prom-client's
 * `inc` hashes and validates its label object on every call; here a call is
 * one Map update, and the counts reach the prom-client Counter when it is read
 * (scrape or `get()`), so what Prometheus sees is exact. Label values are
 * event or frame types, both bounded (the catalog, the protocol).
 */
export class CountByLabel {
  readonly #pending = new Map<string, number>()
  readonly counter: Counter<string>

  constructor(registry: Registry, name: string, help: string, label: string) {
    const pending = this.#pending
    this.counter = new Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        for (const [value, n] of pending) {
          if (n === 0) continue
          this.inc({ [label]: value }, n)
          pending.set(value, 0)
        }
      },
    })
  }

  add(value: string, n = 1): void {
    this.#pending.set(value, (this.#pending.get(value) ?? 0) + n)
  }
}

/**
 * Prometheus metrics on a registry of this app's own (never prom-client's
 * global one: two apps in one process, as in tests, must not share counters).
 */
export class Metrics implements HubMetrics {
  readonly registry = new Registry()
  readonly messagesIn = new CountByLabel(this.registry, 'switchboard_ws_messages_in_total', 'Client frames accepted, by type', 'type')
  readonly messagesOut = new CountByLabel(this.registry, 'switchboard_ws_messages_out_total', 'Event frames written to sockets, by event type', 'type')
  readonly errors = new Counter({ name: 'switchboard_ws_errors_total', help: 'Error replies and rejected frames, by code', labelNames: ['code'], registers: [this.registry] })
  readonly timeouts = new Counter({ name: 'switchboard_ws_timeouts_total', help: 'Connections closed by the sweep, by kind (heartbeat, auth, token)', labelNames: ['kind'], registers: [this.registry] })
  readonly droppedMessages = new Counter({ name: 'switchboard_dropped_messages_total', help: 'Messages dropped, by reason', labelNames: ['reason'], registers: [this.registry] })
  readonly slowConsumers = new Counter({ name: 'switchboard_ws_slow_consumer_closes_total', help: 'Connections closed because their outbound buffer overflowed', registers: [this.registry] })
  readonly sendErrors = new Counter({ name: 'switchboard_ws_send_errors_total', help: 'Socket writes that failed', registers: [this.registry] })
  readonly publishes = new CountByLabel(this.registry, 'switchboard_publish_total', 'Events published, by type', 'type')
  readonly publishToSend = new Histogram({
    name: 'switchboard_publish_to_send_seconds',
    help: 'Time from publish accepted to the frame written to every local recipient',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  })
  /** Set by the realtime plugin: [authenticated, total] connections right now. */
  connectionCounts: () => [number, number] = () => [0, 0]
  readonly connections = new Gauge({
    name: 'switchboard_ws_connections',
    help: 'Open WebSocket connections on this instance, by state',
    labelNames: ['state'],
    registers: [this.registry],
    collect: () => {
      const [authenticated, total] = this.connectionCounts()
      this.connections.set({ state: 'authenticated' }, authenticated)
      this.connections.set({ state: 'unauthenticated' }, total - authenticated)
    },
  })

  /** Set by the realtime plugin: frame writes so far by the path they took (realtime/frame-writer.ts). */
  writeCounts: () => Readonly<Record<string, number>> = () => ({})
  readonly socketWrites = (() => {
    const seen = new Map<string, number>()
    const counts = () => this.writeCounts()
    return new Counter({
      name: 'switchboard_socket_writes_total',
      help: 'Frame writes to client sockets with DIRECT_SOCKET_WRITES on, by path: direct (the kernel took it in one native call), partial (the rest went through the stream), stream (something was queued, or the kernel took nothing)',
      labelNames: ['path'],
      registers: [this.registry],
      collect() {
        for (const [path, n] of Object.entries(counts())) {
          const before = seen.get(path) ?? 0
          if (n > before) this.inc({ path }, n - before)
          seen.set(path, n)
        }
      },
    })
  })()

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' })
  }

  delivered(type: string, recipients: number, latencyMs: number): void {
    if (recipients > 0) this.messagesOut.add(type, recipients)
    this.publishToSend.observe(latencyMs / 1000)
  }
  dropped(reason: string, count: number): void {
    this.droppedMessages.inc({ reason }, count)
  }
  sendError(): void {
    this.sendErrors.inc()
  }
  slowConsumer(): void {
    this.slowConsumers.inc()
    this.droppedMessages.inc({ reason: 'slow_consumer' })
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

async function metricsPlugin(app: FastifyInstance, opts: { metrics: Metrics }) {
  app.decorate('metrics', opts.metrics)
  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    reply.header('content-type', opts.metrics.registry.contentType)
    return opts.metrics.registry.metrics()
  })
}

export default fp(metricsPlugin, { name: 'switchboard-metrics', fastify: '5.x' })

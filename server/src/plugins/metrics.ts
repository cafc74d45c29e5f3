import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { HubMetrics } from '../realtime/hub.ts'

/**
 * Prometheus metrics on a registry of this app's own (never prom-client's
 * global one: two apps in one process, as in tests, must not share counters).
 */
export class Metrics implements HubMetrics {
  readonly registry = new Registry()
  readonly messagesIn = new Counter({ name: 'switchboard_ws_messages_in_total', help: 'Client frames accepted, by type', labelNames: ['type'], registers: [this.registry] })
  readonly messagesOut = new Counter({ name: 'switchboard_ws_messages_out_total', help: 'Event frames written to sockets, by event type', labelNames: ['type'], registers: [this.registry] })
  readonly errors = new Counter({ name: 'switchboard_ws_errors_total', help: 'Error replies and rejected frames, by code', labelNames: ['code'], registers: [this.registry] })
  readonly timeouts = new Counter({ name: 'switchboard_ws_timeouts_total', help: 'Connections closed by the sweep, by kind (heartbeat, auth, token)', labelNames: ['kind'], registers: [this.registry] })
  readonly droppedMessages = new Counter({ name: 'switchboard_dropped_messages_total', help: 'Messages dropped, by reason', labelNames: ['reason'], registers: [this.registry] })
  readonly slowConsumers = new Counter({ name: 'switchboard_ws_slow_consumer_closes_total', help: 'Connections closed because their outbound buffer overflowed', registers: [this.registry] })
  readonly sendErrors = new Counter({ name: 'switchboard_ws_send_errors_total', help: 'Socket writes that failed', registers: [this.registry] })
  readonly publishes = new Counter({ name: 'switchboard_publish_total', help: 'Events published, by type', labelNames: ['type'], registers: [this.registry] })
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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' })
  }

  delivered(type: string, recipients: number, latencyMs: number): void {
    if (recipients > 0) this.messagesOut.inc({ type }, recipients)
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

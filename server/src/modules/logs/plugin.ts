import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import type { Config } from '../../config.ts'
import { BatchedWriter, writerMetrics } from '../../storage/batched-writer.ts'
import { hubDrained } from '../hub-drain.ts'
import { ConnectionAudit } from './connection-audit.ts'
import type { LogDraft } from './log-record.ts'
import { LogStream, SYSTEM_TENANT, type LogStreamMetrics } from './log-stream.ts'
import type { LogTap } from './log-tap.ts'
import { logRoutes } from './routes.ts'
import { ServiceLogRepository, type LogEntry, type ServiceLogDraft } from './service-log.repository.ts'
import { WebsocketLogRepository } from './websocket-log.repository.ts'

export interface WebsocketLogPort {
  /** Batched, never waits, never throws (connection events). */
  record(draft: LogDraft): boolean
  /** Written now; rejects when the database fails (audit of a manual action). */
  audit(draft: LogDraft): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    websocketLog: WebsocketLogPort
    logStream: LogStream
  }
}

export interface LogsPluginOptions {
  config: Config
  /** The server logger's tap (see log-tap.ts); absent when the app was built with a custom logger. */
  tap?: LogTap | undefined
}

function streamMetrics(app: FastifyInstance): LogStreamMetrics {
  const registers = [app.metrics.registry]
  return {
    published: new Counter({ name: 'switchboard_log_stream_published_total', help: 'log:* events published on the logs channel, by source', labelNames: ['source'], registers }),
    dropped: new Counter({ name: 'switchboard_log_stream_dropped_total', help: 'log:* events not published (rate cap, bus failure), by reason', labelNames: ['reason'], registers }),
  }
}

/**
 * Connection events and audit (`websocket_log`), reference 004's log entries
 * (`service_log`) and their live stream on the `logs` channel, the log APIs,
 * and their retention.
 */
async function logsPlugin(app: FastifyInstance, opts: LogsPluginOptions) {
  const { config } = opts
  const log = app.log.child({ room: 'logs' })
  const logs = new WebsocketLogRepository(app.orm)
  const serviceLogs = new ServiceLogRepository(app.orm)
  const metrics = writerMetrics(app.metrics.registry)
  const writerSettings = { batchSize: config.WRITER_BATCH_SIZE, flushMs: config.WRITER_FLUSH_MS, maxBuffer: config.WRITER_MAX_BUFFER, metrics, log }
  const logWriter = new BatchedWriter<LogDraft>({ name: 'websocket_log', write: (batch) => logs.insertMany(batch), ...writerSettings })
  const serviceWriter = new BatchedWriter<ServiceLogDraft>({ name: 'service_log', write: (batch) => serviceLogs.insertMany(batch), ...writerSettings })

  const stream = new LogStream({
    publish: (input) => app.publisher.publish(input),
    store: (draft) => serviceWriter.push(draft),
    maxPerSecond: config.LOG_STREAM_MAX_PER_SECOND,
    metrics: streamMetrics(app),
  })

  app.hub.addObserver(
    new ConnectionAudit((draft) => {
      logWriter.push(draft)
      // opened/subscribed are debug chatter: stored, not streamed
      if (draft.level !== 'debug') stream.connectionEntry(draft)
    }),
  )
  opts.tap?.attach((entry) => stream.ingest(SYSTEM_TENANT, [entry], 'server'), config.LOG_STREAM_LEVEL as LogEntry['level'])

  const retentionMs = config.LOG_RETENTION_DAYS * 86_400_000
  app.retention.add({ name: 'websocket_log', run: (now) => logs.deleteBefore(new Date(now.getTime() - retentionMs)) })
  app.retention.add({ name: 'service_log', run: (now) => serviceLogs.deleteBefore(new Date(now.getTime() - retentionMs)) })

  app.decorate('websocketLog', {
    record: (draft: LogDraft) => logWriter.push(draft),
    audit: (draft: LogDraft) => logs.insertMany([draft]),
  })
  app.decorate('logStream', stream)
  await app.register(logRoutes, { logs, serviceLogs, stream })

  app.addHook('onClose', async () => {
    opts.tap?.detach()
    await hubDrained(app.hub, Math.min(2_000, config.SHUTDOWN_TIMEOUT_MS / 2))
    await Promise.all([logWriter.close(), serviceWriter.close()])
  })
}

export default fp(logsPlugin, {
  name: 'switchboard-logs',
  fastify: '5.x',
  dependencies: ['switchboard-db', 'switchboard-realtime', 'switchboard-auth', 'switchboard-metrics'],
})

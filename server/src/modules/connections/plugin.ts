import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config.ts'
import { BatchedWriter, writerMetrics } from '../../storage/batched-writer.ts'
import { hubDrained } from '../hub-drain.ts'
import { auditDraft } from '../logs/log-record.ts'
import { ConnectionActions } from './connection-actions.ts'
import { ConnectionRegistry } from './connection-registry.ts'
import type { ConnectionSnapshot } from './connection-snapshot.ts'
import { ConnectionRepository } from './connection.repository.ts'
import { connectionRoutes } from './routes.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The control API's service; upstream connectors register here (`registerUpstream`). */
    connectionActions: ConnectionActions
  }
}

export interface ConnectionsPluginOptions {
  config: Config
  instanceId: string
}

/**
 * The connection registry (`websocket_connection`, written off the hot path),
 * its HTTP API and control actions, and the retention of closed client rows.
 */
async function connectionsPlugin(app: FastifyInstance, opts: ConnectionsPluginOptions) {
  const { config, instanceId } = opts
  const log = app.log.child({ room: 'connections' })
  const repo = new ConnectionRepository(app.orm)
  const singleInstance = app.bus.kind === 'memory'

  // Rows left "connected" by a previous run that did not close them (a crash). Before any new
  // connection is recorded: alone, every such row is stale; in a cluster, only this instance's own.
  const swept = await repo.sweepStale(singleInstance ? undefined : instanceId)
  if (swept > 0) log.warn({ swept }, 'connections left open by a previous run marked disconnected')

  const writer = new BatchedWriter<ConnectionSnapshot>({
    name: 'websocket_connection',
    write: (batch) => repo.upsertSnapshots(batch),
    key: (s) => s.id,
    batchSize: config.WRITER_BATCH_SIZE,
    flushMs: config.WRITER_FLUSH_MS,
    maxBuffer: config.WRITER_MAX_BUFFER,
    metrics: writerMetrics(app.metrics.registry),
    log,
  })
  app.hub.addObserver(new ConnectionRegistry(writer, instanceId))

  const actions = new ConnectionActions({
    repo,
    clients: {
      disconnect: (connectionId, code, reason) =>
        app.bus.publish({ kind: 'disconnect', origin: instanceId, selector: { connectionId }, code, reason }),
      local: (connectionId) => app.hub.connections.get(connectionId),
      instanceId,
      singleInstance,
    },
    audit: (entry) =>
      app.websocketLog.audit(
        auditDraft({
          connectionId: entry.connectionId,
          tenant: entry.tenant,
          action: entry.action,
          message: entry.message,
          actor: entry.actor,
          metadata: { type: entry.type, before: entry.before, after: entry.after },
        }),
      ),
  })
  app.decorate('connectionActions', actions)
  await app.register(connectionRoutes, { repo, actions, local: (id) => app.hub.connections.get(id) })

  const retentionMs = config.LOG_RETENTION_DAYS * 86_400_000
  app.retention.add({ name: 'websocket_connection', run: (now) => repo.deleteClosedBefore(new Date(now.getTime() - retentionMs)) })

  app.addHook('onClose', async () => {
    await hubDrained(app.hub, Math.min(2_000, config.SHUTDOWN_TIMEOUT_MS / 2))
    await writer.close()
  })
}

export default fp(connectionsPlugin, {
  name: 'switchboard-connections',
  fastify: '5.x',
  dependencies: ['switchboard-db', 'switchboard-realtime', 'switchboard-auth', 'switchboard-metrics', 'switchboard-logs'],
})

import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'

/** Process entry: config, app, listen, graceful shutdown on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`switchboard: ${err.message}`)
      process.exit(78) // EX_CONFIG
    }
    throw err
  }
  const app = await buildApp(config)

  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: closing sockets with 1001')
    const force = setTimeout(() => {
      app.log.warn('shutdown timed out; exiting')
      process.exit(1)
    }, config.SHUTDOWN_TIMEOUT_MS)
    force.unref()
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error during shutdown')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  // a bug in one request or socket must not take every other connection down with it
  process.on('uncaughtException', (err) => app.log.error({ err }, 'uncaught exception'))
  process.on('unhandledRejection', (err) => app.log.error({ err }, 'unhandled rejection'))

  await app.listen({ port: config.PORT, host: config.HOST })
  const base = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${(app.server.address() as { port: number }).port}`
  const ws = base.replace('http', 'ws')
  const lines = [
    `Switchboard ready (${config.NODE_ENV}, bus: ${app.bus.kind})`,
    `  WebSocket   ${ws}/ws  (auth frame)   ${ws}/ws/connect?token=JWT`,
    `  Publish     POST ${base}/api/publish`,
    `  Stats       ${base}/ws/stats`,
    `  Metrics     ${base}/metrics`,
    `  Health      ${base}/health`,
    `  Admin       ${base}/admin`,
  ]
  if (!config.isProduction) lines.push(`  Dev token   npm run token -- --sub u1 --tenant clinic-1 --role admin`)
  console.log(lines.join('\n'))
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})

/** The shared server of the suite, and the one the reconnect spec starts, stops and restarts itself. */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3917)
export const RESTART_PORT = Number(process.env.E2E_RESTART_PORT ?? 3918)

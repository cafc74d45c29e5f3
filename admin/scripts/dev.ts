/**
 * `npm run dev`: the server (restarted on change by `node --watch`) and Vite's
 * dev server with HMR for the console, which proxies the API and the sockets
 * to the server (vite.config.ts). One Ctrl-C stops both; if either exits, so
 * does the other, so a crashed server is never hidden behind a live Vite.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const port = process.env.PORT ?? '3000'
const children: ChildProcess[] = []
let stopping = false

function run(name: string, command: string, args: string[]): void {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, PORT: port } })
  children.push(child)
  child.on('exit', (code, signal) => {
    if (stopping) return
    console.error(`[dev] ${name} exited (${signal ?? code}); stopping`)
    stop(code ?? 1)
  })
}

function stop(code: number): void {
  stopping = true
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
  setTimeout(() => process.exit(code), 200).unref()
}

process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))

run('server', process.execPath, ['--watch', 'server/src/main.ts'])
run('vite', process.execPath, [fileURLToPath(new URL('../../node_modules/vite/bin/vite.js', import.meta.url))])
console.log(`[dev] server on http://127.0.0.1:${port}, console with hot reload on http://localhost:${process.env.VITE_PORT ?? 5173}/admin/`)

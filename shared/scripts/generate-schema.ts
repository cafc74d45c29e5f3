/**
 * Writes the generated protocol artefacts from the TypeBox sources in shared/src:
 *   shared/schema/protocol.schema.json   JSON Schema 2020-12, one `$defs` entry per frame/event
 *   shared/schema/asyncapi.json          AsyncAPI 3.0, payloads referencing the file above
 *   shared/PROTOCOL.md                   the `<!-- generated:NAME -->` tables only
 *
 * `npm run schema` writes them; `npm run schema:check` (CI) exits 1 naming
 * every stale file. Output is deterministic: the same sources give the same
 * bytes (insertion order from the sources, sorted `$defs`, trailing newline).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AsyncApiMappingError, buildAsyncApi } from './schema/asyncapi.ts'
import { buildProtocolSchema } from './schema/json-schema.ts'
import { MarkerError, renderProtocolMd } from './schema/protocol-md.ts'

const shared = fileURLToPath(new URL('..', import.meta.url))
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const files = {
  schema: `${shared}schema/protocol.schema.json`,
  asyncapi: `${shared}schema/asyncapi.json`,
  protocol: `${shared}PROTOCOL.md`,
}

const toJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/** Every output: path -> expected content. */
export function expectedOutputs(): Map<string, string> {
  return new Map([
    [files.schema, toJson(buildProtocolSchema())],
    [files.asyncapi, toJson(buildAsyncApi())],
    [files.protocol, renderProtocolMd(readFileSync(files.protocol, 'utf8'))],
  ])
}

/** Outputs whose file content differs from what would be generated. */
export function staleFiles(outputs: Map<string, string>, read: (path: string) => string = readOrEmpty): string[] {
  return [...outputs].filter(([path, content]) => read(path) !== content).map(([path]) => path)
}

function main(argv: string[]): number {
  const check = argv.includes('--check')
  let outputs: Map<string, string>
  try {
    outputs = expectedOutputs()
  } catch (err) {
    if (err instanceof MarkerError || err instanceof AsyncApiMappingError) {
      console.error(`generate-schema: ${err.message}`)
      return 1
    }
    throw err
  }
  const stale = staleFiles(outputs)
  if (!check) {
    for (const path of stale) {
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, outputs.get(path) as string)
      console.log(`generate-schema: wrote ${relative(repoRoot, path)}`)
    }
    return 0
  }
  if (stale.length > 0) {
    for (const path of stale) console.error(`generate-schema: ${relative(repoRoot, path)} is stale (differs from what shared/src generates)`)
    console.error('generate-schema: run `npm run schema` and commit the result')
    return 1
  }
  console.log('generate-schema: protocol.schema.json, asyncapi.json and PROTOCOL.md tables are up to date')
  return 0
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2))

import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ConfigSchema } from '../config.ts'

/**
 * Writes the README's configuration table and `.env.example` from the config
 * schema, so neither can drift from what the server reads. `--check` fails
 * when either is stale or a variable has no description.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url))
const check = process.argv.includes('--check')

interface Entry {
  name: string
  default: unknown
  description: string | undefined
  choices: string[] | undefined
}

const entries: Entry[] = Object.entries(ConfigSchema.properties).map(([name, schema]) => {
  const s = schema as { default?: unknown; description?: string; anyOf?: Array<{ const?: unknown }> }
  return {
    name,
    default: s.default,
    description: s.description,
    choices: s.anyOf?.map((o) => String(o.const)),
  }
})

const shown = (v: unknown) => (v === '' || v === undefined ? '(empty)' : `\`${String(v)}\``)
const table = [
  '| variable | default | meaning |',
  '| --- | --- | --- |',
  ...entries.map((e) => `| \`${e.name}\` | ${shown(e.default)} | ${(e.description ?? '').replace(/\|/g, '\\|')}${e.choices ? ` One of ${e.choices.map((c) => `\`${c}\``).join(', ')}.` : ''} |`),
].join('\n')

const envExample = [
  '# Switchboard configuration. Every variable is optional outside production;',
  '# the values below are the defaults. See README.md "Configuration".',
  ...entries.flatMap((e) => [`# ${e.description ?? ''}`, `${e.default === '' || e.default === undefined ? '# ' : ''}${e.name}=${e.default ?? ''}`]),
  '',
].join('\n')

const readmePath = `${root}README.md`
const readme = readFileSync(readmePath, 'utf8')
const start = '<!-- generated:config -->'
const end = '<!-- /generated:config -->'
const a = readme.indexOf(start)
const b = readme.indexOf(end)
if (a === -1 || b === -1) throw new Error('README.md lacks the generated:config markers')
const nextReadme = `${readme.slice(0, a + start.length)}\n${table}\n${readme.slice(b)}`
const envPath = `${root}.env.example`
let currentEnv = ''
try {
  currentEnv = readFileSync(envPath, 'utf8')
} catch {
  // first run
}

const undocumented = entries.filter((e) => !e.description).map((e) => e.name)
if (check) {
  const stale = [nextReadme !== readme && 'README.md', envExample !== currentEnv && '.env.example'].filter(Boolean)
  if (undocumented.length > 0) console.error(`config-doc: variables without a description in server/src/config.ts: ${undocumented.join(', ')}`)
  if (stale.length > 0) console.error(`config-doc: ${stale.join(' and ')} out of date; run npm run docs`)
  process.exit(undocumented.length > 0 || stale.length > 0 ? 1 : 0)
}
writeFileSync(readmePath, nextReadme)
writeFileSync(envPath, envExample)
console.log(`config-doc: ${entries.length} variables written to README.md and .env.example${undocumented.length ? `; undocumented: ${undocumented.join(', ')}` : ''}`)

import { readFileSync } from 'node:fs'
import path from 'node:path'
import { profileExtension } from './contenders/contender.ts'

/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`) in words-sized
 * tables: self time by function and by area (project file, package, Node
 * internals, GC, idle); and a `.heapprofile` (`--alloc-profile`) the same way
 * in bytes allocated. Usable alone:
 * `node server/bench/profile-summary.ts file.cpuprofile file.heapprofile`.
 */
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

function areaOf(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC'
  if (fn === '(idle)') return 'idle'
  if (fn === '(program)') return 'V8/native (program)'
  if (!url) return `native: ${fn || '(anonymous)'}`
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`
  const nm = url.lastIndexOf('/node_modules/')
  if (nm !== -1) {
    const rest = url.slice(nm + 14).split('/')
    return `pkg: ${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`
  }
  const m = /\/(server|shared)\/(src|bench)\/(.*)$/.exec(url)
  return m ? `${m[1]}/${m[2]}/${m[3]}` : path.basename(url)
}

type CallFrame = { functionName: string; url: string; lineNumber: number }

/** A function as the tables name it: its name, and where it is (area and line) when it has a source. */
function frameKey({ functionName, url, lineNumber }: CallFrame): string {
  return `${functionName || '(anonymous)'} ${url ? `${areaOf(url, functionName)}:${lineNumber + 1}` : ''}`.trim()
}

/** The project's own code (server/ and shared/ sources): the functions whose inclusive figures are listed. */
function isProject(url: string): boolean {
  return /\/(server|shared)\/src\//.test(url)
}

/**
 * Self time is counted in samples, not summed time deltas: a profile taken
 * through an in-process inspector session has no `(idle)` samples, and the
 * gap while the loop waited would be charged to the next function sampled.
 */
export function summariseProfile(file: string, top = 25): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  for (const id of p.samples) self.set(id, (self.get(id) ?? 0) + 1)
  const total = p.samples.length
  const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0)
  const busy = total - idle
  const intervals = [...p.timeDeltas].sort((a, b) => a - b)
  const interval = intervals[Math.floor(intervals.length / 2)] ?? 0
  const fns = new Map<string, number>()
  const areas = new Map<string, number>()
  for (const [id, t] of self) {
    const n = byId.get(id)!
    const { functionName, url } = n.callFrame
    if (functionName === '(idle)') continue
    const key = frameKey(n.callFrame)
    fns.set(key, (fns.get(key) ?? 0) + t)
    const area = areaOf(url, functionName)
    areas.set(area, (areas.get(area) ?? 0) + t)
  }
  // Inclusive samples of the project's own functions (server/, shared/): a
  // function's self samples plus its callees', counted once per stack even when
  // the function recurses.
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const inclusive = new Map<string, number>()
  for (const [id, t] of self) {
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame
      if (!isProject(frame.url)) continue
      const key = frameKey(frame)
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + t)
    }
  }
  const headline = `${busy} busy samples (~${((busy * interval) / 1000).toFixed(0)} ms at ${(interval / 1000).toFixed(2)} ms each); self time as % of busy samples`
  return renderTables(headline, { areas, fns, inclusive }, top, (t) => `${((100 * t) / Math.max(1, busy)).toFixed(1)}%`.padStart(6))
}

/** The three tables both summaries print, largest first; `cell` formats a row's figure. */
function renderTables(
  headline: string,
  m: { areas: Map<string, number>; fns: Map<string, number>; inclusive: Map<string, number> },
  top: number,
  cell: (value: number) => string,
): string {
  const list = (rows: Map<string, number>, n: number) =>
    [...rows]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${cell(v)}  ${k}`)
      .join('\n')
  return [
    headline,
    'by area:',
    list(m.areas, 15),
    'by function (self):',
    list(m.fns, top),
    'project functions, inclusive (self + callees):',
    list(m.inclusive, 15),
  ].join('\n')
}

interface AllocationNode {
  callFrame: CallFrame
  /** Bytes allocated here, estimated from the samples (V8 scales each sample to what it stands for). */
  selfSize: number
  children: AllocationNode[]
}

/**
 * Bytes allocated by function and by area, and inclusive bytes of the
 * project's functions, from a sampling heap profile that kept collected
 * objects: what the phase allocated, which is what the GC has to pay for.
 */
export function summariseAllocations(file: string, top = 25): string {
  const { head } = JSON.parse(readFileSync(file, 'utf8')) as { head: AllocationNode }
  const fns = new Map<string, number>()
  const areas = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let total = 0
  const walk = (n: AllocationNode, project: ReadonlySet<string>): void => {
    const area = areaOf(n.callFrame.url, n.callFrame.functionName)
    const key = frameKey(n.callFrame)
    let mine = project
    if (isProject(n.callFrame.url) && !project.has(key)) mine = new Set([...project, key])
    if (n.selfSize > 0) {
      total += n.selfSize
      fns.set(key, (fns.get(key) ?? 0) + n.selfSize)
      areas.set(area, (areas.get(area) ?? 0) + n.selfSize)
      for (const k of mine) inclusive.set(k, (inclusive.get(k) ?? 0) + n.selfSize)
    }
    for (const c of n.children) walk(c, mine)
  }
  walk(head, new Set())
  const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`
  const cell = (b: number) => `${`${((100 * b) / Math.max(1, total)).toFixed(1)}%`.padStart(6)} ${kib(b).padStart(10)}`
  return renderTables(`${kib(total)} allocated (sampled estimate, collected objects included)`, { areas, fns, inclusive }, top, cell)
}

/** The summary for either kind of profile, by its file's extension. */
export function summarise(file: string): string {
  return file.endsWith(profileExtension('alloc')) ? summariseAllocations(file) : summariseProfile(file)
}

if (import.meta.main) {
  for (const f of process.argv.slice(2)) console.log(`${f}\n${summarise(f)}\n`)
}

import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { CONTENDER_IDS, type ContenderId } from './contenders/contender.ts'
import { startContender } from './contenders/registry.ts'
import { prepareSnapshot } from './contenders/snapshot.ts'
import { PROJECT_ROOT } from './contenders/switchboard.ts'
import { singleChannel } from './loadgen/channel-plan.ts'
import { LoadGen } from './loadgen/loadgen.ts'
import { sleep } from './stats.ts'

/**
 * What one idle, subscribed connection keeps on a contender's heap: V8 heap
 * snapshots before and after N connections, grouped by object kind and
 * constructor, divided by N. The S3 figure says how much; this says what.
 *
 *   node server/bench/heap-diff.ts [contender] [connections] [--snapshot <ref>]   (Node 24)
 */
type Totals = Map<string, { count: number; bytes: number }>

function groupHeap(file: string): Totals {
  const s = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }
    nodes: number[]
    strings: string[]
  }
  const fields = s.snapshot.meta.node_fields
  const types = s.snapshot.meta.node_types[0]
  const width = fields.length
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number]
  const totals: Totals = new Map()
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]!]!
    // Strings are grouped as one kind: their text (tokens, URLs) is not a constructor.
    const name = type === 'string' || type === 'concatenated string' ? '' : String(s.strings[s.nodes[i + iName]!]).slice(0, 60)
    const key = `${type}${name ? `: ${name}` : ''}`
    const t = totals.get(key) ?? { count: 0, bytes: 0 }
    t.count++
    t.bytes += s.nodes[i + iSize]!
    totals.set(key, t)
  }
  return totals
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const snapAt = args.indexOf('--snapshot')
  const ref = snapAt !== -1 ? args.splice(snapAt, 2)[1] : undefined
  const id = (args[0] ?? 'switchboard') as ContenderId
  if (!(CONTENDER_IDS as readonly string[]).includes(id)) throw new Error(`unknown contender ${id}`)
  const n = Number(args[1] ?? 2000)
  const root = ref ? prepareSnapshot(PROJECT_ROOT, ref).root : undefined
  const loadgen = await LoadGen.start(2, 'heap-diff-secret-'.padEnd(48, 'x'))
  const c = await startContender(id, { secret: loadgen.secret, switchboardRoot: root })
  const files = [0, 1].map((k) => path.join(tmpdir(), `heap-diff-${process.pid}-${k}.heapsnapshot`))
  try {
    await sleep(500)
    await c.heapSnapshot(files[0]!)
    await loadgen.connect(c.client, singleChannel(n), 200, c.origin)
    await sleep(1000)
    await c.heapSnapshot(files[1]!)
  } finally {
    await loadgen.closeAll()
    await c.stop()
    await loadgen.stop()
  }
  const [before, after] = files.map(groupHeap) as [Totals, Totals]
  console.log("kept", files.join(" "))
  const rows = [...after].map(([key, t]) => {
    const b = before.get(key) ?? { count: 0, bytes: 0 }
    return { key, count: (t.count - b.count) / n, bytes: (t.bytes - b.bytes) / n }
  })
  const total = rows.reduce((a, r) => a + r.bytes, 0)
  console.log(`${id}: ${total.toFixed(0)} bytes of heap per idle subscribed connection (${n} connections)`)
  for (const r of rows.sort((a, b) => b.bytes - a.bytes).slice(0, 30)) {
    console.log(`${r.bytes.toFixed(0).padStart(7)} B ${r.count.toFixed(2).padStart(7)} objects  ${r.key}`)
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})

import { CONTENDER_IDS, type ContenderId, type ProfileKind } from './contenders/contender.ts'

/** Command line of `npm run bench -- [options]`. */
export interface BenchOptions {
  quick: boolean
  only: string[] | undefined
  contenders: ContenderId[]
  json: string | undefined
  workers: number
  /** How client workers read: the native epoll receiver (built on first use) or the `ws` client. */
  receiver: 'native' | 'ws'
  /** CPU-profile every contender during S1's, S2's and S5's measured phases, S6's slow phase and S4's connects into this directory. */
  profileDir: string | undefined
  /** What `profileDir` receives: CPU profiles (`--profile`) or allocation profiles (`--alloc-profile`). */
  profileKind: ProfileKind
  /** Run Switchboard from this commit (git ref) rather than the working tree. */
  snapshot: string | undefined
  /** Every case this many times, contenders interleaved within each round (medians reported). */
  rounds: number
}

export const USAGE = `Usage: npm run bench -- [options]
  --quick                 scaled-down run of every scenario on one server per contender (< 1 minute)
  --only S1,S3            run only these scenarios
  --contenders a,b        ${CONTENDER_IDS.join(',')} (default: all but ws-buffer)
  --json <file>           also write the results as JSON
  --workers <n>           client-worker processes (default 2)
  --receiver native|ws    client workers read through the native epoll receiver (default; built with c++
                          on first use, falls back to ws if that fails) or the ws client in JavaScript
  --profile <dir>         CPU-profile each server during S1/S2/S5's measured phases, S6's slow phase and S4's
                          connects into <dir>
  --alloc-profile <dir>   the same phases, profiled for what they allocate (V8's sampling heap profiler,
                          collected objects included) instead of CPU time
  --snapshot <ref>        run Switchboard from a commit (git archive to a temp dir), not the working tree
  --rounds <n>            run every case n times, contenders interleaved within each round; report medians
                          and the median of the per-round ratios (default 1)
  --help`

export class UsageError extends Error {
  override name = 'UsageError'
}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const o: BenchOptions = { quick: false, only: undefined, contenders: [...CONTENDER_IDS], json: undefined, workers: 2, receiver: 'native', profileDir: undefined, profileKind: 'cpu', snapshot: undefined, rounds: 1 }
  let contendersGiven = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = () => {
      const v = argv[++i]
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`)
      return v
    }
    switch (arg) {
      case '--quick':
        o.quick = true
        break
      case '--only':
        o.only = value()
          .split(',')
          .map((s) => s.trim().toUpperCase())
          .filter(Boolean)
        break
      case '--contenders': {
        contendersGiven = true
        const list = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
        const unknown = list.filter((c) => !(CONTENDER_IDS as readonly string[]).includes(c))
        if (unknown.length) throw new UsageError(`unknown contender(s): ${unknown.join(', ')}`)
        o.contenders = list as ContenderId[]
        break
      }
      case '--json':
        o.json = value()
        break
      case '--workers':
        o.workers = Math.max(1, Math.min(8, Number(value()) || 2))
        break
      case '--receiver': {
        const v = value()
        if (v !== 'native' && v !== 'ws') throw new UsageError('--receiver takes native or ws')
        o.receiver = v
        break
      }
      case '--profile':
        o.profileDir = value()
        o.profileKind = 'cpu'
        break
      case '--alloc-profile':
        o.profileDir = value()
        o.profileKind = 'alloc'
        break
      case '--snapshot':
        o.snapshot = value()
        break
      case '--rounds': {
        const n = Number(value())
        if (!Number.isInteger(n) || n < 1 || n > 9) throw new UsageError('--rounds takes a whole number from 1 to 9')
        o.rounds = n
        break
      }
      case '--help':
      case '-h':
        return 'help'
      default:
        throw new UsageError(`unknown option ${arg}`)
    }
  }
  // ws-buffer sits between naive and tuned: only on request, to keep runs short.
  if (!contendersGiven) o.contenders = o.contenders.filter((c) => c !== 'ws-buffer')
  return o
}

import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'

/**
 * Reads CPU time and memory of any process from /proc, so the Switchboard
 * server (which knows nothing about the bench) is measured exactly like the
 * bench's own contender processes.
 */

let clockTicks: number | undefined

/** `getconf CLK_TCK` (100 on Linux almost everywhere). */
export function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      clockTicks = 100
    }
  }
  return clockTicks
}

/** User and system CPU time of a process (all threads) in microseconds. */
export function cpuTimes(pid: number): { userUs: number; sysUs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may contain spaces: fields are counted after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const tick = 1e6 / clkTck()
  return { userUs: Number(fields[11]) * tick, sysUs: Number(fields[12]) * tick }
}

export function cpuMicros(pid: number): number {
  const t = cpuTimes(pid)
  return t.userUs + t.sysUs
}

/** Resident set size in bytes (VmRSS), or NaN when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    return m ? Number(m[1]) * 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}

/** The soft limit on open files of this process (children inherit it). */
export function openFilesLimit(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8')
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits)
    if (m) return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1])
  } catch {
    // not Linux: assume the common default
  }
  return 1024
}

/** A CPU-time meter over a set of processes, read before and after a phase. */
export class CpuMeter {
  readonly #pids: number[]
  #start = { userUs: 0, sysUs: 0 }
  #wallStart = 0

  constructor(pids: number[]) {
    this.#pids = pids
  }

  start(): void {
    this.#start = this.#read()
    this.#wallStart = performance.now()
  }

  /** CPU microseconds (total and kernel part) and wall milliseconds since start(). */
  stop(): { cpuUs: number; sysUs: number; wallMs: number } {
    const now = this.#read()
    const sysUs = now.sysUs - this.#start.sysUs
    return { cpuUs: now.userUs - this.#start.userUs + sysUs, sysUs, wallMs: performance.now() - this.#wallStart }
  }

  #read(): { userUs: number; sysUs: number } {
    const sum = { userUs: 0, sysUs: 0 }
    for (const pid of this.#pids) {
      const t = cpuTimes(pid)
      sum.userUs += t.userUs
      sum.sysUs += t.sysUs
    }
    return sum
  }
}

/** CPU time the whole machine spent busy (all CPUs, all processes), in microseconds. */
export function hostBusyMicros(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const busy = v[0]! + v[1]! + v[2]! + v[5]! + v[6]! + v[7]!
  return (busy * 1e6) / clkTck()
}

export interface MachineInfo {
  cpus: number
  cpuModel: string
  memTotalGiB: number
  node: string
  kernel: string
  openFilesLimit: number
  loadAvg: number[]
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus()
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    memTotalGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    openFilesLimit: openFilesLimit(),
    loadAvg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  }
}

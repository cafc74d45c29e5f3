import type { Status } from './status-merge.ts'

/** What a smart plug's row and its `device-update` event show, read from the merged status. */
export interface PlugReadings {
  relayOn: boolean | null
  currentPower: number | null
  voltage: number | null
  current: number | null
  temperature: number | null
  totalEnergy: number | null
}

export const EMPTY_READINGS: PlugReadings = Object.freeze({
  relayOn: null,
  currentPower: null,
  voltage: null,
  current: null,
  temperature: null,
  totalEnergy: null,
})

const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined)
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null)

/** The metering component a plug's readings come from: `switch:0` first, then the lowest switch, then `pm1:0`. */
function meterComponent(status: Status): { component: Record<string, unknown>; hasRelay: boolean } | undefined {
  const first = obj(status['switch:0'])
  if (first) return { component: first, hasRelay: true }
  const switches = Object.keys(status)
    .filter((k) => /^switch:\d+$/.test(k))
    .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)))
  const lowest = switches.length > 0 ? obj(status[switches[0]!]) : undefined
  if (lowest) return { component: lowest, hasRelay: true }
  const pm = obj(status['pm1:0'])
  return pm ? { component: pm, hasRelay: false } : undefined
}

/**
 * Gen2+ (`switch:N` with `output`, `apower`, `voltage`, `current`,
 * `aenergy.total`, `temperature.tC`) and, for cloud reports of Gen1 plugs,
 * `relays[0].ison`, `meters[0].power|total`, `temperature`. A plug with
 * several channels reports channel 0. Anything missing or not a finite
 * number is null, never a guess.
 */
export function readPlug(status: Status): PlugReadings {
  const meter = meterComponent(status)
  if (meter) {
    const c = meter.component
    return {
      relayOn: meter.hasRelay ? bool(c.output) : null,
      currentPower: num(c.apower),
      voltage: num(c.voltage),
      current: num(c.current),
      temperature: num(obj(c.temperature)?.tC) ?? num(obj(status['temperature:0'])?.tC),
      totalEnergy: num(obj(c.aenergy)?.total),
    }
  }
  const relays = Array.isArray(status.relays) ? status.relays : undefined
  const meters = Array.isArray(status.meters) ? status.meters : undefined
  if (relays || meters) {
    const relay = obj(relays?.[0])
    const meterZero = obj(meters?.[0])
    return {
      relayOn: bool(relay?.ison),
      currentPower: num(meterZero?.power),
      voltage: num(status.voltage),
      current: null,
      temperature: num(status.temperature) ?? num(obj(status.tmp)?.tC),
      // Gen1 meters count watt-minutes
      totalEnergy: num(meterZero?.total) === null ? null : (meterZero!.total as number) / 60,
    }
  }
  return { ...EMPTY_READINGS }
}

export function sameReadings(a: PlugReadings, b: PlugReadings): boolean {
  return (
    a.relayOn === b.relayOn &&
    a.currentPower === b.currentPower &&
    a.voltage === b.voltage &&
    a.current === b.current &&
    a.temperature === b.temperature &&
    a.totalEnergy === b.totalEnergy
  )
}

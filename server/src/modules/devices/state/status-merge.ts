/**
 * A Shelly Gen2 device's status is one object keyed by component
 * (`switch:0`, `sys`, `wifi`, ...). `NotifyFullStatus` carries all of it;
 * `NotifyStatus` carries only what changed, to be overlaid on the last known
 * status ("This should yield identical results to what would be returned by
 * a fresh GetStatus call", Shelly's Notifications page), where a `null`
 * value removes the key.
 */
export type Status = Record<string, unknown>

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Overlays `delta` on `base` in place and returns `base`. Objects merge key
 * by key at every depth; arrays and scalars replace; `null` deletes. The
 * caller has already refused `__proto__`-style keys (frame-guards), so plain
 * assignment cannot reach a prototype.
 */
export function mergeStatus(base: Status, delta: Status): Status {
  for (const key of Object.keys(delta)) {
    const value = delta[key]
    if (value === null) {
      delete base[key]
      continue
    }
    const current = base[key]
    if (isPlainObject(value) && isPlainObject(current)) mergeStatus(current, value)
    else base[key] = isPlainObject(value) ? mergeStatus({}, value) : value
  }
  return base
}

/** A fresh status from a full report: the same null rule applies (a null component is absent). */
export function fullStatus(report: Status): Status {
  return mergeStatus({}, report)
}

/** Notification params carry the device's `ts` beside the components; it is not part of the status. */
export function componentsOf(params: Status): Status {
  const { ts: _ts, ...components } = params
  return components
}

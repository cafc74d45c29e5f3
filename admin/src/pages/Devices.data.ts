import type { DeviceRecord } from '@switchboard/shared'
import { createResource, createSignal, onCleanup } from 'solid-js'
import { ApiError } from '../api.ts'
import { applyOffline, applyUpdate, filterDevices, totalPower, type DeviceQuery } from '../lib/devices-view.ts'
import { onPush, useRealtime } from '../realtime.tsx'
import { useSession } from '../session.tsx'
import { useUi } from '../ui.tsx'

/** Devices of other tenants reach an admin only through the API: re-read them this often. */
const REFRESH_MS = 10_000

/**
 * The Devices page's loader (issue 6's smart plugs): the device list, patched
 * live by `device-update` / `device-offline-status` pushes of the operator's
 * tenant and re-read periodically for the others, with relay and approval actions.
 */
export function devicesData() {
  const { api, principal } = useSession()
  const rt = useRealtime()
  const { toast } = useUi()
  const [list, setList] = createSignal<readonly DeviceRecord[]>([])
  const [query, setQuery] = createSignal<DeviceQuery>({ search: '', online: 'all', approval: 'all' })
  const [busy, setBusy] = createSignal<string | null>(null)

  const [loaded, { refetch }] = createResource(async () => {
    const res = await api.listDevices({ limit: 500 })
    setList(res.items)
    return res.total
  })

  onPush('device-update', (u) => setList((l) => applyUpdate(l, u)))
  onPush('device-offline-status', (o) => setList((l) => applyOffline(l, o)))
  onPush('smart-plug-assignment-updated', () => void refetch())
  const timer = setInterval(() => {
    if (document.visibilityState === 'visible' && rt.connected() && loaded.state !== 'refreshing') void refetch()
  }, REFRESH_MS)
  onCleanup(() => clearInterval(timer))

  const replace = (d: DeviceRecord) => setList((l) => l.map((x) => (x.id === d.id ? d : x)))
  const fail = (what: string) => (err: unknown) => toast(`${what}: ${err instanceof ApiError ? err.message : String(err)}`, 'error')

  async function toggleRelay(d: DeviceRecord): Promise<void> {
    const on = !d.relayOn
    setBusy(d.id)
    try {
      const res = await api.switchDevice(d.id, on)
      setList((l) => l.map((x) => (x.id === d.id ? { ...x, relayOn: res.on } : x)))
      toast(`${d.name} switched ${res.on ? 'on' : 'off'}`, 'success')
    } catch (err) {
      fail(`Could not switch ${d.name}`)(err)
    } finally {
      setBusy(null)
    }
  }

  async function setApproval(d: DeviceRecord, verb: 'approve' | 'reject'): Promise<void> {
    setBusy(d.id)
    try {
      replace(await api.setDeviceApproval(d.id, verb))
      toast(`${d.name} ${verb === 'approve' ? 'approved' : 'rejected'}`, 'success')
    } catch (err) {
      fail(`Could not ${verb} ${d.name}`)(err)
    } finally {
      setBusy(null)
    }
  }

  return {
    rows: () => filterDevices(list(), query()),
    all: list,
    totalPower: () => totalPower(list()),
    loading: () => loaded.state === 'pending' || loaded.state === 'unresolved',
    error: () => (list().length === 0 ? (loaded.error as unknown) : undefined),
    retry: () => void refetch(),
    query,
    setQuery: (patch: Partial<DeviceQuery>) => setQuery((q) => ({ ...q, ...patch })),
    showTenant: () => principal()?.isAdmin === true,
    busy,
    toggleRelay,
    setApproval,
  }
}

export type DevicesData = ReturnType<typeof devicesData>

import type { RouteSectionProps } from '@solidjs/router'
import type { DeviceRecord } from '@switchboard/shared'
import { createSignal, For, onCleanup, Show } from 'solid-js'
import { Icon } from '../components/Icon.tsx'
import { PageHeader } from '../components/PageHeader.tsx'
import { Segmented } from '../components/Segmented.tsx'
import { EmptyState, ErrorState, Skeleton } from '../components/States.tsx'
import { formatRelative } from '../lib/format.ts'
import type { DeviceQuery } from '../lib/devices-view.ts'
import type { DevicesData } from './Devices.data.ts'

const num = (v: number | null, unit: string, digits = 1) => (v === null ? '—' : `${v.toFixed(digits)} ${unit}`)

export default function Devices(props: RouteSectionProps<DevicesData>) {
  const d = props.data
  const [now, setNow] = createSignal(Date.now())
  const t = setInterval(() => setNow(Date.now()), 5000)
  onCleanup(() => clearInterval(t))
  const online = () => d.all().filter((x) => x.online).length

  return (
    <>
      <PageHeader
        title="Devices"
        subtitle={`${online()} of ${d.all().length} online · ${d.totalPower().toFixed(1)} W drawn now`}
        actions={
          <button type="button" class="button" onClick={d.retry}>
            <Icon name="refresh" size={16} /> Refresh
          </button>
        }
      />
      <div class="toolbar">
        <Segmented<DeviceQuery['online']>
          label="Online"
          value={d.query().online}
          onChange={(online) => d.setQuery({ online })}
          options={[
            { value: 'all', label: 'All' },
            { value: 'online', label: 'Online' },
            { value: 'offline', label: 'Offline' },
          ]}
        />
        <Segmented<'all' | DeviceRecord['approval']>
          label="Approval"
          value={d.query().approval}
          onChange={(approval) => d.setQuery({ approval })}
          options={[
            { value: 'all', label: 'Any' },
            { value: 'approved', label: 'Approved' },
            { value: 'pending', label: 'Pending', count: d.all().filter((x) => x.approval === 'pending').length },
            { value: 'rejected', label: 'Rejected' },
          ]}
        />
        <label class="search">
          <Icon name="search" size={16} />
          <span class="visually-hidden">Search devices</span>
          <input type="search" placeholder="Name, device id, model, equipment…" value={d.query().search} onInput={(e) => d.setQuery({ search: e.currentTarget.value })} />
        </label>
      </div>
      <Show when={!d.error()} fallback={<ErrorState title="Devices could not be loaded" error={d.error()} onRetry={d.retry} />}>
        <Show when={!d.loading()} fallback={<Skeleton rows={4} />}>
          <Show
            when={d.rows().length > 0}
            fallback={
              <EmptyState icon="power" title={d.all().length === 0 ? 'No device has connected yet' : 'No device matches'}>
                <Show when={d.all().length === 0}>
                  <p>
                    Point a Shelly plug's outbound WebSocket at an enrolment URL (<code>POST /api/devices/enrolment-tokens</code>) or add a Shelly Cloud account.
                  </p>
                </Show>
              </EmptyState>
            }
          >
            <div class="table-wrap">
              <table class="table table-cards" data-testid="devices-table">
                <thead>
                  <tr>
                    <th>Device</th>
                    <Show when={d.showTenant()}>
                      <th>Tenant</th>
                    </Show>
                    <th>State</th>
                    <th class="num">Power</th>
                    <th class="num">Voltage</th>
                    <th class="num">Temp.</th>
                    <th>Equipment</th>
                    <th>Last seen</th>
                    <th>
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={d.rows()}>
                    {(x) => (
                      <tr data-device-id={x.id} class={x.online ? '' : 'row-muted'}>
                        <td data-label="Device">
                          <span class="strong">{x.name}</span>
                          <span class="sub mono">
                            {x.name === x.externalId ? x.source : `${x.externalId} · ${x.source}`}
                            {x.model ? ` · ${x.model}` : ''}
                          </span>
                        </td>
                        <Show when={d.showTenant()}>
                          <td data-label="Tenant">{x.tenant}</td>
                        </Show>
                        <td data-label="State">
                          <span class={`status status-${x.online ? 'connected' : 'disconnected'}`}>
                            <span class="dot" aria-hidden="true" />
                            {x.online ? 'online' : 'offline'}
                          </span>
                          <Show when={x.approval !== 'approved'}>
                            <span class={`pill ${x.approval === 'pending' ? 'pill-warn' : 'pill-err'}`}>{x.approval}</span>
                          </Show>
                        </td>
                        <td data-label="Power" class="num">
                          {num(x.currentPower, 'W')}
                        </td>
                        <td data-label="Voltage" class="num">
                          {num(x.voltage, 'V', 0)}
                        </td>
                        <td data-label="Temp." class="num">
                          {num(x.temperature, '°C')}
                        </td>
                        <td data-label="Equipment">{x.equipmentName ?? <span class="muted">unassigned</span>}</td>
                        <td data-label="Last seen" class="nowrap">
                          {formatRelative(x.lastSeenAt, now())}
                        </td>
                        <td data-label="Actions" class="actions-cell">
                          <div class="row-actions">
                            <Show
                              when={x.approval === 'pending'}
                              fallback={
                                <label class="switch" title={x.online ? 'Relay' : 'Offline: cannot switch'}>
                                  <input
                                    type="checkbox"
                                    role="switch"
                                    checked={x.relayOn === true}
                                    disabled={!x.online || x.approval !== 'approved' || d.busy() === x.id}
                                    onClick={(e) => {
                                      e.preventDefault()
                                      void d.toggleRelay(x)
                                    }}
                                    aria-label={`Relay of ${x.name}`}
                                  />
                                  <span class="switch-track" aria-hidden="true" />
                                  <span class="switch-label">Relay</span>
                                </label>
                              }
                            >
                              <button type="button" class="button button-small button-primary" disabled={d.busy() === x.id} onClick={() => void d.setApproval(x, 'approve')}>
                                Approve
                              </button>
                              <button type="button" class="button button-small button-danger-ghost" disabled={d.busy() === x.id} onClick={() => void d.setApproval(x, 'reject')}>
                                Reject
                              </button>
                            </Show>
                          </div>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        </Show>
      </Show>
    </>
  )
}

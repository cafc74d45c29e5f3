import { Counter, Gauge, type Registry } from 'prom-client'

/** What the gauges read when scraped. */
export interface DeviceCounts {
  devices(): { online: number; offline: number; pending: number }
  sockets(): number
  upstreams(): Record<string, number>
}

/** The devices module's Prometheus metrics, on the app's own registry. */
export class DeviceMetrics {
  readonly frames: Counter<'kind'>
  readonly rejected: Counter<'reason'>
  readonly closes: Counter<'reason'>
  readonly heartbeatTimeouts: Counter
  readonly upgradesRefused: Counter<'reason'>
  readonly commands: Counter<'result'>
  readonly upstreamEvents: Counter<'event'>

  constructor(registry: Registry, counts: DeviceCounts) {
    const registers = [registry]
    this.frames = new Counter({ name: 'switchboard_device_frames_total', help: 'Frames accepted from devices on /shelly, by kind', labelNames: ['kind'], registers })
    this.rejected = new Counter({
      name: 'switchboard_device_frames_rejected_total',
      help: 'Device frames refused (malformed: the socket is closed with 1007; rate_limited: dropped), by reason',
      labelNames: ['reason'],
      registers,
    })
    this.closes = new Counter({ name: 'switchboard_device_closes_total', help: 'Device sockets ended, by reason', labelNames: ['reason'], registers })
    this.heartbeatTimeouts = new Counter({ name: 'switchboard_device_heartbeat_timeouts_total', help: 'Device sockets cut because no frame or pong came within the heartbeat window', registers })
    this.upgradesRefused = new Counter({ name: 'switchboard_device_upgrades_refused_total', help: 'Device upgrades refused before the socket opened, by reason', labelNames: ['reason'], registers })
    this.commands = new Counter({ name: 'switchboard_device_commands_total', help: 'Device commands (Switch.Set, cloud relay), by result', labelNames: ['result'], registers })
    this.upstreamEvents = new Counter({ name: 'switchboard_upstream_events_total', help: 'Shelly Cloud connector events (open, close, error, message), by event', labelNames: ['event'], registers })
    const devices: Gauge<'state'> = new Gauge({
      name: 'switchboard_devices',
      help: 'Devices known to this instance, by state (with several instances every one knows every device: read one instance, do not sum)',
      labelNames: ['state'],
      registers,
      collect: () => {
        const c = counts.devices()
        devices.set({ state: 'online' }, c.online)
        devices.set({ state: 'offline' }, c.offline)
        devices.set({ state: 'pending' }, c.pending)
      },
    })
    const sockets: Gauge = new Gauge({
      name: 'switchboard_device_sockets',
      help: 'Open device sockets on /shelly',
      registers,
      collect: () => {
        sockets.set(counts.sockets())
      },
    })
    const upstreams: Gauge<'status'> = new Gauge({
      name: 'switchboard_upstream_connections',
      help: 'Shelly Cloud connections run by this instance, by status',
      labelNames: ['status'],
      registers,
      collect: () => {
        upstreams.reset()
        for (const [status, n] of Object.entries(counts.upstreams())) upstreams.set({ status }, n)
      },
    })
  }
}

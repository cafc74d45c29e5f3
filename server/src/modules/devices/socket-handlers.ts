import type { DeviceSwitchFrame } from '@switchboard/shared'
import type { FrameHandler } from '../../realtime/dispatch.ts'
import type { DeviceCommands } from './commands/device-commands.ts'
import { canControl, canSee } from './http/access.ts'
import type { DeviceRegistry } from './state/device-registry.ts'

/**
 * `device:switch` over the client socket: the same checks and the same
 * command as `POST /api/devices/:id/switch`, answered with
 * `device:switch:result` or an error frame echoing the request `id`.
 */
export function deviceSwitchHandler(opts: { registry: DeviceRegistry; commands: DeviceCommands; controlRoles: ReadonlySet<string> }): FrameHandler<DeviceSwitchFrame> {
  return {
    requiresAuth: true,
    async handle(_ctx, c, frame) {
      const p = c.principal!
      const device = opts.registry.get(frame.deviceId)
      if (device === undefined || !canSee(p, device)) {
        c.sendError('NOT_FOUND', `No device ${frame.deviceId}`, frame.id)
        return
      }
      if (!canControl(p, opts.controlRoles)) {
        c.sendError('FORBIDDEN', 'Your roles do not allow switching devices', frame.id)
        return
      }
      const channel = frame.channel ?? 0
      const result = await opts.commands.switch(device, channel, frame.on)
      if (!result.ok) {
        c.sendError(result.code, result.message, frame.id)
        return
      }
      c.send({ type: 'device:switch:result', ...(frame.id === undefined ? {} : { id: frame.id }), ...result.response })
    },
  }
}

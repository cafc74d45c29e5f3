import {
  DeviceAssignmentBodySchema,
  DeviceIdParamsSchema,
  DeviceListQuerySchema,
  DeviceListResponseSchema,
  DeviceRecordSchema,
  DeviceSettingsBodySchema,
  DeviceSettingsQuerySchema,
  DeviceSettingsSchema,
  DeviceSwitchBodySchema,
  DeviceSwitchResponseSchema,
  DeviceUpdateBodySchema,
  type DeviceAssignmentBody,
  type DeviceListQuery,
  type DeviceSwitchBody,
  type DeviceUpdateBody,
} from '@switchboard/shared'
import type { FastifyInstance } from 'fastify'
import { HttpProblem } from '../../../http-problem.ts'
import type { Principal } from '../../../plugins/auth.ts'
import { orUnavailable } from '../../../storage/db-errors.ts'
import type { DeviceCommands } from '../commands/device-commands.ts'
import type { AdmissionPolicy } from '../enrolment/admission-policy.ts'
import { DEVICE_CLOSE_CODES } from '../ingress/device-close-codes.ts'
import type { DeviceIngress } from '../ingress/device-ingress.ts'
import type { SessionIndex } from '../ingress/session-index.ts'
import { toDeviceRecord, type Device } from '../state/device.ts'
import type { DeviceRegistry } from '../state/device-registry.ts'
import { canControl, canSee, isOperator, operatorTenant, principalOf } from './access.ts'

export interface DeviceRoutesOptions {
  registry: DeviceRegistry
  sessions: SessionIndex
  ingress: DeviceIngress
  commands: DeviceCommands
  admission: AdmissionPolicy
  controlRoles: ReadonlySet<string>
}

/** HTTP status of each command failure. */
export const COMMAND_STATUS: Record<string, number> = { FORBIDDEN: 403, NOT_FOUND: 404, DEVICE_OFFLINE: 409, DEVICE_ERROR: 502, UNAVAILABLE: 503, DEVICE_TIMEOUT: 504 }

/** The device, if the caller may see it; otherwise 404 (another tenant's ids look absent). */
function visibleDevice(registry: DeviceRegistry, p: Principal, id: string): Device {
  const d = registry.get(id)
  if (d === undefined || !canSee(p, d)) throw new HttpProblem(404, 'NOT_FOUND', `No device ${id}`)
  return d
}

/** Smart plugs: list, detail, switch, assignment, naming, approval, and the tenant's admission setting. */
export async function deviceRoutes(app: FastifyInstance, opts: DeviceRoutesOptions): Promise<void> {
  const { registry, commands, admission } = opts
  const byId = { preHandler: app.authenticate, schema: { params: DeviceIdParamsSchema, response: { 200: DeviceRecordSchema } } }

  app.get<{ Querystring: DeviceListQuery }>(
    '/api/devices',
    { preHandler: app.authenticate, schema: { querystring: DeviceListQuerySchema, response: { 200: DeviceListResponseSchema } } },
    async (request) => {
      const p = principalOf(request.principal)
      const q = request.query
      if (q.tenant !== undefined && q.tenant !== p.tenant && !p.isAdmin) throw new HttpProblem(403, 'FORBIDDEN', 'Only admin may look at another tenant')
      const tenant = q.tenant ?? (p.isAdmin ? undefined : p.tenant)
      const matches = [...registry.all()]
        .filter(
          (d) =>
            canSee(p, d) &&
            (tenant === undefined || d.tenant === tenant) &&
            (q.online === undefined || d.online === q.online) &&
            (q.approval === undefined || d.approval === q.approval) &&
            (q.source === undefined || d.source === q.source),
        )
        .sort((a, b) => a.tenant.localeCompare(b.tenant) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
      const page = q.page ?? 1
      const limit = q.limit ?? 100
      return { items: matches.slice((page - 1) * limit, page * limit).map(toDeviceRecord), total: matches.length, page, limit }
    },
  )

  app.get<{ Querystring: { tenant?: string } }>(
    '/api/devices/settings',
    { preHandler: app.authenticate, schema: { querystring: DeviceSettingsQuerySchema, response: { 200: DeviceSettingsSchema } } },
    async (request) => admission.get(operatorTenant(principalOf(request.principal), request.query.tenant)),
  )

  app.put<{ Querystring: { tenant?: string }; Body: { autoAdmit: boolean } }>(
    '/api/devices/settings',
    { preHandler: app.authenticate, schema: { querystring: DeviceSettingsQuerySchema, body: DeviceSettingsBodySchema, response: { 200: DeviceSettingsSchema } } },
    async (request) => {
      const p = principalOf(request.principal)
      const tenant = operatorTenant(p, request.query.tenant)
      return orUnavailable(request.log, () => admission.set(tenant, request.body.autoAdmit, p.user))
    },
  )

  app.get<{ Params: { id: string } }>('/api/devices/:id', byId, async (request) =>
    toDeviceRecord(visibleDevice(registry, principalOf(request.principal), request.params.id)),
  )

  app.post<{ Params: { id: string }; Body: DeviceSwitchBody }>(
    '/api/devices/:id/switch',
    { preHandler: app.authenticate, schema: { params: DeviceIdParamsSchema, body: DeviceSwitchBodySchema, response: { 200: DeviceSwitchResponseSchema } } },
    async (request) => {
      const p = principalOf(request.principal)
      const device = visibleDevice(registry, p, request.params.id)
      if (!canControl(p, opts.controlRoles)) throw new HttpProblem(403, 'FORBIDDEN', 'Your roles do not allow switching devices')
      const result = await commands.switch(device, request.body.channel ?? 0, request.body.on)
      if (!result.ok) throw new HttpProblem(COMMAND_STATUS[result.code] ?? 500, result.code, result.message)
      return result.response
    },
  )

  app.put<{ Params: { id: string }; Body: DeviceAssignmentBody }>(
    '/api/devices/:id/assignment',
    { ...byId, schema: { ...byId.schema, body: DeviceAssignmentBodySchema } },
    async (request) => {
      const p = principalOf(request.principal)
      const device = visibleDevice(registry, p, request.params.id)
      if (!isOperator(p) && !p.isService) throw new HttpProblem(403, 'FORBIDDEN', 'Needs an admin, tenant admin or service role')
      await orUnavailable(request.log, () => registry.assign(device, request.body))
      return toDeviceRecord(device)
    },
  )

  app.patch<{ Params: { id: string }; Body: DeviceUpdateBody }>(
    '/api/devices/:id',
    { ...byId, schema: { ...byId.schema, body: DeviceUpdateBodySchema } },
    async (request) => {
      const p = principalOf(request.principal)
      const device = visibleDevice(registry, p, request.params.id)
      if (!isOperator(p)) throw new HttpProblem(403, 'FORBIDDEN', 'Needs an admin or tenant admin role')
      await orUnavailable(request.log, () => registry.rename(device, request.body.name))
      return toDeviceRecord(device)
    },
  )

  for (const [verb, approval] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    app.post<{ Params: { id: string } }>(`/api/devices/:id/${verb}`, byId, async (request) => {
      const p = principalOf(request.principal)
      const device = visibleDevice(registry, p, request.params.id)
      if (!isOperator(p)) throw new HttpProblem(403, 'FORBIDDEN', 'Needs an admin or tenant admin role')
      await orUnavailable(request.log, () => registry.setApproval(device, approval))
      if (approval === 'rejected') {
        const session = opts.sessions.current(device.id)
        if (session !== undefined) opts.ingress.endSession(session, DEVICE_CLOSE_CODES.REJECTED, 'rejected')
      }
      request.log.info({ deviceId: device.id, tenant: device.tenant, approval, by: p.user }, 'device approval changed')
      return toDeviceRecord(device)
    })
  }
}

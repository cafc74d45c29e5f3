import { CloudAccountCreateBodySchema, CloudAccountListSchema, CloudAccountRecordSchema, type CloudAccountCreateBody } from '@switchboard/shared'
import Type from 'typebox'
import type { FastifyInstance } from 'fastify'
import { HttpProblem } from '../../../http-problem.ts'
import { orUnavailable } from '../../../storage/db-errors.ts'
import { CredentialKeyMissingError } from '../cloud/credential-cipher.ts'
import type { ShellyCloudManager } from '../cloud/shelly-cloud-manager.ts'
import { isOperator, operatorTenant, principalOf } from './access.ts'

const AccountIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 32 }) })

/**
 * Shelly Cloud accounts (reference 000's SHELLY credentials), operators only.
 * Their connections are controlled with `POST /api/websocket/:connectionId/:action`.
 */
export async function cloudAccountRoutes(app: FastifyInstance, opts: { cloud: ShellyCloudManager }): Promise<void> {
  const { cloud } = opts

  app.post<{ Body: CloudAccountCreateBody }>(
    '/api/devices/cloud-accounts',
    { preHandler: app.authenticate, schema: { body: CloudAccountCreateBodySchema, response: { 201: CloudAccountRecordSchema } } },
    async (request, reply) => {
      const p = principalOf(request.principal)
      const tenant = operatorTenant(p, request.body.tenant)
      const { name, host, accessToken } = request.body
      if (!cloud.credentialsAvailable) throw new HttpProblem(503, 'UNAVAILABLE', new CredentialKeyMissingError().message)
      const record = await orUnavailable(request.log, () => cloud.create({ tenant, name, host, accessToken, autoReconnect: request.body.autoReconnect ?? true, createdBy: p.user }))
      request.log.info({ accountId: record.id, connectionId: record.connectionId, tenant, by: p.user }, 'Shelly Cloud account added')
      return reply.code(201).send(record)
    },
  )

  app.get('/api/devices/cloud-accounts', { preHandler: app.authenticate, schema: { response: { 200: CloudAccountListSchema } } }, async (request) => {
    const p = principalOf(request.principal)
    if (!isOperator(p)) throw new HttpProblem(403, 'FORBIDDEN', 'Needs an admin or tenant admin role')
    return { items: await cloud.list(p.isAdmin ? undefined : p.tenant) }
  })

  app.delete<{ Params: { id: string } }>(
    '/api/devices/cloud-accounts/:id',
    { preHandler: app.authenticate, schema: { params: AccountIdParams } },
    async (request, reply) => {
      const p = principalOf(request.principal)
      if (!isOperator(p)) throw new HttpProblem(403, 'FORBIDDEN', 'Needs an admin or tenant admin role')
      const account = cloud.account(request.params.id)
      if (account === undefined || (!p.isAdmin && account.tenant !== p.tenant)) throw new HttpProblem(404, 'NOT_FOUND', `No cloud account ${request.params.id}`)
      await orUnavailable(request.log, () => cloud.remove(account.id))
      request.log.info({ accountId: account.id, tenant: account.tenant, by: p.user }, 'Shelly Cloud account removed')
      return reply.code(204).send()
    },
  )
}

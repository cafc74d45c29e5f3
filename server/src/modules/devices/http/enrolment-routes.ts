import {
  EnrolmentTokenCreateBodySchema,
  EnrolmentTokenCreatedSchema,
  EnrolmentTokenListSchema,
  EnrolmentTokenRecordSchema,
  type EnrolmentTokenCreateBody,
} from '@switchboard/shared'
import Type from 'typebox'
import type { FastifyInstance } from 'fastify'
import { HttpProblem } from '../../../http-problem.ts'
import { orUnavailable } from '../../../storage/db-errors.ts'
import { enrolmentUrl, toTokenRecord, type EnrolmentTokens } from '../enrolment/enrolment-tokens.ts'
import { DEVICE_CLOSE_CODES } from '../ingress/device-close-codes.ts'
import type { DeviceIngress } from '../ingress/device-ingress.ts'
import type { SessionIndex } from '../ingress/session-index.ts'
import { isOperator, operatorTenant, principalOf } from './access.ts'

export interface EnrolmentRoutesOptions {
  tokens: EnrolmentTokens
  sessions: SessionIndex
  ingress: DeviceIngress
  publicUrl: string
  /** After a revocation here: the other instances cut their sockets admitted by the token too. */
  revoked(tokenId: string): void
}

const TokenIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 32 }) })

/**
 * Enrolment tokens (admin or tenant admin). The created token and its URL
 * are in the response body only: never in a log line, never stored.
 */
export async function enrolmentRoutes(app: FastifyInstance, opts: EnrolmentRoutesOptions): Promise<void> {
  const { tokens } = opts

  app.post<{ Body: EnrolmentTokenCreateBody }>(
    '/api/devices/enrolment-tokens',
    { preHandler: app.authenticate, schema: { body: EnrolmentTokenCreateBodySchema, response: { 201: EnrolmentTokenCreatedSchema } } },
    async (request, reply) => {
      const p = principalOf(request.principal)
      const tenant = operatorTenant(p, request.body.tenant)
      const { row, token } = await orUnavailable(request.log, () =>
        tokens.issue({ tenant, label: request.body.label ?? null, expiresInSeconds: request.body.expiresInSeconds, createdBy: p.user }),
      )
      request.log.info({ tokenId: row.id, tenant, by: p.user }, 'device enrolment token created')
      return reply.code(201).send({ ...toTokenRecord(row), token, url: enrolmentUrl(token, opts.publicUrl, request) })
    },
  )

  app.get(
    '/api/devices/enrolment-tokens',
    { preHandler: app.authenticate, schema: { response: { 200: EnrolmentTokenListSchema } } },
    async (request) => {
      const p = principalOf(request.principal)
      if (!isOperator(p)) throw new HttpProblem(403, 'FORBIDDEN', 'Needs an admin or tenant admin role')
      const rows = await orUnavailable(request.log, () => tokens.list(p.isAdmin ? undefined : p.tenant))
      return { items: rows.map(toTokenRecord) }
    },
  )

  app.delete<{ Params: { id: string } }>(
    '/api/devices/enrolment-tokens/:id',
    { preHandler: app.authenticate, schema: { params: TokenIdParams, response: { 200: EnrolmentTokenRecordSchema } } },
    async (request) => {
      const p = principalOf(request.principal)
      if (!isOperator(p)) throw new HttpProblem(403, 'FORBIDDEN', 'Needs an admin or tenant admin role')
      const row = await orUnavailable(request.log, () => tokens.get(request.params.id))
      if (row === null || (!p.isAdmin && row.tenant !== p.tenant)) throw new HttpProblem(404, 'NOT_FOUND', `No enrolment token ${request.params.id}`)
      await orUnavailable(request.log, () => tokens.revoke(row))
      // devices that came in with it are cut now; they cannot come back with it
      const cut = opts.sessions.byToken(row.id)
      for (const s of cut) opts.ingress.endSession(s, DEVICE_CLOSE_CODES.TOKEN_REVOKED, 'token_revoked')
      opts.revoked(row.id)
      request.log.info({ tokenId: row.id, tenant: row.tenant, by: p.user, sessionsClosed: cut.length }, 'device enrolment token revoked')
      return toTokenRecord((await tokens.get(row.id)) ?? row)
    },
  )
}

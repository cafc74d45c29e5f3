import { parseArgs } from 'node:util'
import { createSigner } from 'fast-jwt'
import { loadConfig } from '../config.ts'

/**
 * Mints a development token signed with JWT_SECRET (or the development secret):
 *   npm run token -- --sub u1 --tenant clinic-1 --role admin [--role service] [--expires 1h]
 */
const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: 'dev-user' },
    tenant: { type: 'string', default: 'dev-tenant' },
    role: { type: 'string', multiple: true, default: [] },
    expires: { type: 'string', default: '1h' },
  },
})
const config = loadConfig()
if (!config.JWT_SECRET) {
  console.error('npm run token signs with JWT_SECRET (HS*); set it, or mint tokens with your identity provider')
  process.exit(1)
}
const m = /^(\d+)([smhd])$/.exec(values.expires)
if (m === null) {
  console.error('--expires takes a number and a unit: 30s, 15m, 1h, 7d')
  process.exit(1)
}
const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd']
const sign = createSigner({ key: config.JWT_SECRET, algorithm: config.jwtAlgorithms[0] as 'HS256', expiresIn: Number(m[1]) * unit })
console.log(sign({ sub: values.sub, tenant: values.tenant, roles: values.role }))

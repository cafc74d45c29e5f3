import t from 'tap'
import { hashToken } from '../../../../src/modules/devices/enrolment/enrolment-tokens.ts'
import { api, deviceServer, enrol, operator, plug, until } from '../device-helpers.ts'

t.test('POST /api/devices/enrolment-tokens answers {token, url}: url is exactly what Ws.SetConfig server takes', async (t) => {
  const s = await deviceServer(t)
  const res = await api(s, s.token(operator('clinic-1')), 'POST', '/api/devices/enrolment-tokens', { label: 'front desk' })
  t.equal(res.status, 201)
  const { token, url } = res.body
  t.equal(url, `${s.ws}/shelly?token=${token}`)
  t.match(res.body, { tenant: 'clinic-1', label: 'front desk', createdBy: 'op-clinic-1', expiresAt: null, revokedAt: null })
  const rows = await s.app.devices.enrolment.list('clinic-1')
  t.equal(rows.length, 1)
  t.equal(rows[0]!.tokenHash, hashToken(token), 'only the hash is kept')
  t.notOk(JSON.stringify(rows).includes(token))
  const listed = await api(s, s.token(operator('clinic-1')), 'GET', '/api/devices/enrolment-tokens')
  t.equal(listed.body.items.length, 1)
  t.notOk(JSON.stringify(listed.body).includes(token), 'the list never shows a token')
})

t.test('DEVICE_PUBLIC_URL sets the scheme and host of enrolment URLs', async (t) => {
  const s = await deviceServer(t, { DEVICE_PUBLIC_URL: 'https://hub.example.com/' })
  const res = await api(s, s.token(operator('clinic-1')), 'POST', '/api/devices/enrolment-tokens', {})
  t.equal(res.body.url, `wss://hub.example.com/shelly?token=${res.body.token}`)
})

t.test('who may create tokens, and for which tenant', async (t) => {
  const s = await deviceServer(t)
  t.equal((await api(s, s.token({ sub: 'u', tenant: 'clinic-1', roles: ['staff'] }), 'POST', '/api/devices/enrolment-tokens', {})).status, 403)
  t.equal((await api(s, s.token(operator('clinic-1')), 'POST', '/api/devices/enrolment-tokens', { tenant: 'clinic-2' })).status, 403)
  const admin = await api(s, s.token({ sub: 'root', tenant: 'ops', roles: ['admin'] }), 'POST', '/api/devices/enrolment-tokens', { tenant: 'clinic-2' })
  t.equal(admin.body.tenant, 'clinic-2')
})

t.test('revoking a token closes the sockets that came in with it and refuses it from then on', async (t) => {
  const s = await deviceServer(t)
  const created = await api(s, s.token(operator('clinic-1')), 'POST', '/api/devices/enrolment-tokens', {})
  const other = await enrol(s, 'clinic-1')
  const p = await plug(t, created.body.url)
  const q = await plug(t, other)
  await until(() => [...s.app.devices.sessions.all].every((x) => x.device !== undefined) && s.app.devices.sessions.size === 2)
  const closed = new Promise<number>((r) => p.socket!.once('close', (code) => r(code)))
  t.equal((await api(s, s.token(operator('clinic-2')), 'DELETE', `/api/devices/enrolment-tokens/${created.body.id}`)).status, 404)
  const revoked = await api(s, s.token(operator('clinic-1')), 'DELETE', `/api/devices/enrolment-tokens/${created.body.id}`)
  t.equal(revoked.status, 200)
  t.type(revoked.body.revokedAt, 'string')
  t.equal(await closed, 4012)
  t.equal(q.socket!.readyState, 1, 'a device on another token is untouched')
  await t.rejects(p.connect(), 'the revoked token is refused at the upgrade')
})

t.test('an expired token is refused', async (t) => {
  const s = await deviceServer(t)
  const { row, token } = await s.app.devices.enrolment.issue({ tenant: 'clinic-1', label: null, expiresInSeconds: 60, createdBy: 'op' })
  t.same(await s.app.devices.enrolment.verify(token), { tenant: 'clinic-1', tokenId: row.id })
  t.equal(await s.app.devices.enrolment.verify(token, Date.now() + 61_000), null)
  t.equal(await s.app.devices.enrolment.verify('not-a-token'), null)
})

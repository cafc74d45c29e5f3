import { Writable } from 'node:stream'
import t from 'tap'
import { persistenceApp } from '../helpers/app.ts'
import { DRIVERS, openTestDatabase } from '../helpers/database.ts'

/**
 * Query input the database cannot take is the client's mistake, not an
 * outage: 400 with a code, never 503 UNAVAILABLE (which clients retry
 * forever), and no error-level log line.
 */
const BAD_INPUTS = [
  '/api/websocket/logs?before=99999999999999999999', // bigint out of range: 22003
  '/api/websocket/logs?from=0000-01-01T00:00:00Z', // year 0: 22008
  '/api/websocket/logs?q=%00', // a NUL in a bound parameter: 08P01, refused before the database
  '/api/websocket/logs?tenant=a%00b',
  '/api/websocket/connections?user=%00',
  '/api/websocket/connections/%00',
]

for (const driver of DRIVERS) {
  t.test(driver, async (t) => {
    const db = await openTestDatabase(driver)
    t.teardown(() => db.close())
    const lines: Array<{ level: number; msg: string }> = []
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line))
        done()
      },
    })
    const { app, token } = await persistenceApp(db, { LOG_LEVEL: 'info' }, { logStream })
    t.teardown(() => app.close())
    const admin = token({ sub: 'root', tenant: 'ops', roles: ['admin'] })

    for (const path of BAD_INPUTS) {
      t.test(`${path} is a 400 INVALID_FRAME, not a 503`, async (t) => {
        lines.length = 0
        const res = await app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${admin}` } })
        t.equal(res.statusCode, 400)
        t.match(res.json(), { statusCode: 400, code: 'INVALID_FRAME', error: 'Bad Request' })
        t.same(
          lines.filter((l) => l.level >= 50).map((l) => l.msg),
          [],
          'nothing logged at error level',
        )
      })
    }

    t.test('the same routes still answer good input', async (t) => {
      t.equal((await app.inject({ method: 'GET', url: '/api/websocket/logs?before=9007199254740991', headers: { authorization: `Bearer ${admin}` } })).statusCode, 200)
      t.equal((await app.inject({ method: 'GET', url: '/api/websocket/connections?user=alice', headers: { authorization: `Bearer ${admin}` } })).statusCode, 200)
    })
  })
}

import t from 'tap'
import { HttpProblem } from '../../src/http-problem.ts'
import { isDataException, orUnavailable } from '../../src/storage/db-errors.ts'

function capture() {
  const calls: Array<{ level: 'warn' | 'error'; obj: Record<string, unknown> }> = []
  const log = {
    warn: (obj: Record<string, unknown>) => void calls.push({ level: 'warn', obj }),
    error: (obj: Record<string, unknown>) => void calls.push({ level: 'error', obj }),
  } as unknown as Parameters<typeof orUnavailable>[0]
  return { log, calls }
}

const dbError = (code: string, message = 'x') => Object.assign(new Error(message), { code })

t.test('a data exception (class 22) is the request: 400 INVALID_FRAME, logged at warn', async (t) => {
  const { log, calls } = capture()
  const err = await orUnavailable(log, () => Promise.reject(dbError('22003', 'value "1e20" is out of range for type bigint'))).catch((e: unknown) => e)
  t.type(err, HttpProblem)
  t.match(err, { statusCode: 400, code: 'INVALID_FRAME' })
  t.same(calls.map((c) => c.level), ['warn'])
  t.match(calls[0]!.obj, { sqlState: '22003' })
})

t.test('any other database failure is still 503 UNAVAILABLE, logged at error', async (t) => {
  for (const err of [dbError('08006'), dbError('57P01'), dbError('ECONNRESET'), new Error('timeout exceeded when trying to connect')]) {
    const { log, calls } = capture()
    await t.rejects(orUnavailable(log, () => Promise.reject(err)), { statusCode: 503, code: 'UNAVAILABLE' })
    t.same(calls.map((c) => c.level), ['error'])
  }
})

t.test('an HttpProblem passes through untouched', async (t) => {
  const { log } = capture()
  const problem = new HttpProblem(404, 'NOT_FOUND', 'no such connection')
  await t.rejects(orUnavailable(log, () => Promise.reject(problem)), problem)
})

t.test('only five-character SQLSTATEs of class 22 count as data exceptions', async (t) => {
  t.ok(isDataException(dbError('22P05')))
  t.ok(isDataException(dbError('22021')))
  t.notOk(isDataException(dbError('23505')))
  t.notOk(isDataException(dbError('22')))
  t.notOk(isDataException(new Error('no code')))
  t.notOk(isDataException(undefined))
})

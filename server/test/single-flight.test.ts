import t from 'tap'
import { SingleFlight } from '../src/single-flight.ts'

t.test('a call while a run is going gets that run; a failure is handed over, never thrown; the next call runs again', async (t) => {
  const flight = new SingleFlight()
  let runs = 0
  let release = () => {}
  const step = () => {
    runs++
    return new Promise<void>((r) => (release = r))
  }
  const failures: unknown[] = []
  const a = flight.run(step, (err) => failures.push(err))
  const b = flight.run(step, (err) => failures.push(err))
  t.equal(a, b, 'the same run')
  t.equal(flight.current, a)
  release()
  await a
  t.equal(runs, 1)
  t.equal(flight.current, undefined, 'nothing going on once it is over')
  await flight.run(() => Promise.reject(new Error('boom')), (err) => failures.push((err as Error).message))
  t.same(failures, ['boom'])
  t.equal(runs, 1)
})

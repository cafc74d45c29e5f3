import t from 'tap'
import { Backoff, backoffDelay, BackoffOptionError, DEFAULT_BACKOFF } from '../../src/client/backoff.ts'

const sequence = (values: number[]) => {
  let i = 0
  return () => values[i++ % values.length] as number
}

t.test('defaults follow reference 000: 3 s initial, 30 s max, factor 0.5, 10 attempts', async (t) => {
  t.same(DEFAULT_BACKOFF, { initialDelayMs: 3000, maxDelayMs: 30_000, multiplier: 2, randomizationFactor: 0.5, maxAttempts: 10 })
  const backoff = new Backoff({ random: () => 0 })
  const delays: number[] = []
  for (let d = backoff.next(); d !== null; d = backoff.next()) delays.push(d)
  t.same(delays, [3000, 6000, 12_000, 24_000, 30_000, 30_000, 30_000, 30_000, 30_000, 30_000])
})

t.test('the random draw removes up to randomizationFactor of the delay', async (t) => {
  const backoff = new Backoff({ random: sequence([0.999999, 0.5, 0]) })
  t.equal(backoff.next(), 1500) // 3000 * (1 - 0.5 * ~1)
  t.equal(backoff.next(), 4500) // 6000 * (1 - 0.25)
  t.equal(backoff.next(), 12_000) // 12000 * (1 - 0)
})

t.test('every delay stays within [base * (1 - factor), base] and never exceeds the maximum', async (t) => {
  for (const factor of [0, 0.5, 1]) {
    const backoff = new Backoff({ randomizationFactor: factor, maxAttempts: 200 })
    for (let attempt = 0; attempt < 200; attempt++) {
      const base = Math.min(30_000, 3000 * 2 ** attempt)
      const delay = backoff.next() as number
      if (delay < Math.floor(base * (1 - factor)) || delay > base) {
        t.fail(`attempt ${attempt} factor ${factor}: ${delay} outside [${base * (1 - factor)}, ${base}]`)
      }
    }
  }
  t.pass('200 attempts at three factors all within bounds')
})

t.test('jitter spreads the delays of clients failing at the same attempt', async (t) => {
  const delays = new Set<number>()
  for (let i = 0; i < 50; i++) delays.add(new Backoff().next() as number)
  t.ok(delays.size > 10, `50 clients drew ${delays.size} distinct first delays`)
  const fullJitter = new Backoff({ randomizationFactor: 1, random: () => 0.999999 })
  t.equal(fullJitter.next(), 0, 'factor 1 is full jitter: the delay can reach 0')
})

t.test('gives up after maxAttempts and starts over after reset', async (t) => {
  const backoff = new Backoff({ maxAttempts: 3, random: () => 0 })
  t.same([backoff.next(), backoff.next(), backoff.next()], [3000, 6000, 12_000])
  t.equal(backoff.attempt, 3)
  t.equal(backoff.next(), null)
  t.equal(backoff.next(), null, 'stays exhausted')
  backoff.reset()
  t.equal(backoff.attempt, 0)
  t.equal(backoff.next(), 3000, 'the next failure starts from the initial delay')
  t.equal(new Backoff({ maxAttempts: 0 }).next(), null, 'maxAttempts 0 never reconnects')
  const forever = new Backoff({ maxAttempts: Infinity, random: () => 0 })
  for (let i = 0; i < 1000; i++) forever.next()
  t.equal(forever.next(), 30_000, 'Infinity keeps going at the cap')
})

t.test('every option is configurable', async (t) => {
  const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 250, multiplier: 1.5, randomizationFactor: 0, maxAttempts: 4 })
  t.same([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()], [100, 150, 225, 250, null])
  t.equal(backoffDelay(3, { initialDelayMs: 10, maxDelayMs: 1000, multiplier: 3, randomizationFactor: 0 }, 0.7), 270)
  t.equal(backoffDelay(5000, { initialDelayMs: 10, maxDelayMs: 1000, multiplier: 3, randomizationFactor: 0 }, 0.7), 1000, 'huge attempt numbers stay capped')
})

t.test('refuses nonsensical options', async (t) => {
  t.throws(() => new Backoff({ initialDelayMs: -1 }), BackoffOptionError)
  t.throws(() => new Backoff({ initialDelayMs: 5000, maxDelayMs: 1000 }), BackoffOptionError)
  t.throws(() => new Backoff({ multiplier: 0.5 }), BackoffOptionError)
  t.throws(() => new Backoff({ randomizationFactor: 1.5 }), BackoffOptionError)
  t.throws(() => new Backoff({ maxAttempts: -1 }), BackoffOptionError)
  t.throws(() => new Backoff({ initialDelayMs: Number.NaN }), BackoffOptionError)
})

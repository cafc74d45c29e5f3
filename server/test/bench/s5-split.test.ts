import t from 'tap'
import { splitCost } from '../../bench/scenarios/s5-rooms.ts'

t.test('splitCost recovers the write and publish costs the two phases were made of', async (t) => {
  for (const [publish, write, k] of [[38.5, 20, 10], [62.5, 29.3, 10], [10, 1, 4]] as const) {
    const rooms = publish / k + write
    const personal = publish + write
    const split = splitCost(rooms, personal, k)
    t.ok(Math.abs(split.write - write) < 1e-9, `write ${write} (k=${k})`)
    t.ok(Math.abs(split.publish - publish) < 1e-9, `publish ${publish} (k=${k})`)
  }
})

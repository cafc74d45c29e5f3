import t from 'tap'
import { canTransition, InvalidTransitionError, StateMachine, TRANSITIONS, type ClientState, type StateChange } from '../../src/client/state.ts'

const ALL: ClientState[] = ['disconnected', 'connecting', 'authenticating', 'connected', 'reconnecting', 'closed']

t.test('starts disconnected and walks the documented path to connected', async (t) => {
  const machine = new StateMachine()
  const changes: StateChange[] = []
  machine.onChange((c) => changes.push(c))
  t.equal(machine.state, 'disconnected')
  machine.set('connecting')
  machine.set('authenticating', 'socket open')
  machine.set('connected', 'auth_success')
  t.equal(machine.state, 'connected')
  t.same(changes, [
    { previous: 'disconnected', next: 'connecting' },
    { previous: 'connecting', next: 'authenticating', reason: 'socket open' },
    { previous: 'authenticating', next: 'connected', reason: 'auth_success' },
  ])
})

t.test('reconnects through reconnecting -> connecting, and closes from anywhere', async (t) => {
  const machine = new StateMachine('connected')
  machine.set('reconnecting', 'server restart')
  machine.set('connecting')
  machine.set('reconnecting', 'refused')
  machine.set('closed', 'gave up')
  t.equal(machine.state, 'closed')
  machine.set('connecting', 'connect() again')
  t.equal(machine.state, 'connecting')
  for (const from of ALL) {
    if (from === 'closed') continue
    t.ok(canTransition(from, 'closed'), `${from} -> closed is allowed`)
  }
})

t.test('refuses transitions the table does not list, without changing state or notifying', async (t) => {
  const machine = new StateMachine()
  let notified = 0
  machine.onChange(() => notified++)
  const err = t.throws(() => machine.set('connected')) as InvalidTransitionError
  t.type(err, InvalidTransitionError)
  t.equal(err.code, 'INVALID_TRANSITION')
  t.equal(err.from, 'disconnected')
  t.equal(err.to, 'connected')
  t.equal(machine.state, 'disconnected')
  t.equal(notified, 0)
  t.throws(() => new StateMachine('closed').set('connected'), InvalidTransitionError, 'closed -> connected skips auth')
  t.throws(() => new StateMachine('connected').set('authenticating'), InvalidTransitionError)
  t.throws(() => new StateMachine('reconnecting').set('connected'), InvalidTransitionError)
})

t.test('setting the current state again is a silent no-op', async (t) => {
  const machine = new StateMachine('connecting')
  let notified = 0
  machine.onChange(() => notified++)
  t.equal(machine.set('connecting'), false)
  t.equal(notified, 0)
  t.equal(machine.set('authenticating'), true)
  t.equal(notified, 1)
})

t.test('the transition table covers every state, and only connecting leads to authenticating', async (t) => {
  t.same(Object.keys(TRANSITIONS).sort(), [...ALL].sort())
  for (const from of ALL) for (const to of TRANSITIONS[from]) t.ok(ALL.includes(to), `${from} -> ${to} names a known state`)
  t.same(ALL.filter((s) => canTransition(s, 'authenticating')), ['connecting'])
  t.same(ALL.filter((s) => canTransition(s, 'connected')), ['authenticating'])
})

t.test('listeners can be removed and see is() consistent with the change', async (t) => {
  const machine = new StateMachine()
  const seen: boolean[] = []
  const off = machine.onChange((c) => seen.push(machine.is(c.next)))
  machine.set('connecting')
  off()
  machine.set('authenticating')
  t.same(seen, [true])
  t.ok(machine.is('connected', 'authenticating'))
})

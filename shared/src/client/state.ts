/**
 * The client's one state machine. Every change goes through `set`, which
 * refuses transitions the table does not list (a refused transition is a bug
 * in the client, so it throws) and tells listeners `{previous, next, reason}`.
 *
 *   disconnected --connect()--> connecting --socket open--> authenticating --auth_success--> connected
 *        connecting | authenticating | connected --socket lost, reconnect code--> reconnecting
 *        reconnecting --delay elapsed--> connecting
 *        any state --close(), terminal close code, attempts exhausted--> closed
 *        closed --connect()--> connecting
 */
export type ClientState = 'disconnected' | 'connecting' | 'authenticating' | 'connected' | 'reconnecting' | 'closed'

export const TRANSITIONS: Readonly<Record<ClientState, readonly ClientState[]>> = {
  disconnected: ['connecting', 'closed'],
  connecting: ['authenticating', 'reconnecting', 'closed'],
  authenticating: ['connected', 'reconnecting', 'closed'],
  connected: ['reconnecting', 'closed'],
  reconnecting: ['connecting', 'closed'],
  closed: ['connecting'],
}

export interface StateChange {
  previous: ClientState
  next: ClientState
  /** Why: a close reason, `'auth_success'`, `'close() called'`... */
  reason?: string
}

export class InvalidTransitionError extends Error {
  override name = 'InvalidTransitionError'
  readonly code = 'INVALID_TRANSITION'
  readonly from: ClientState
  readonly to: ClientState

  constructor(from: ClientState, to: ClientState) {
    super(`invalid client state transition ${from} -> ${to}`)
    this.from = from
    this.to = to
  }
}

export function canTransition(from: ClientState, to: ClientState): boolean {
  return TRANSITIONS[from].includes(to)
}

export class StateMachine {
  #state: ClientState
  readonly #listeners = new Set<(change: StateChange) => void>()

  constructor(initial: ClientState = 'disconnected') {
    this.#state = initial
  }

  get state(): ClientState {
    return this.#state
  }

  is(...states: ClientState[]): boolean {
    return states.includes(this.#state)
  }

  /** Moves to `next`; a no-op returning false when already there; throws on a transition the table refuses. */
  set(next: ClientState, reason?: string): boolean {
    const previous = this.#state
    if (previous === next) return false
    if (!canTransition(previous, next)) throw new InvalidTransitionError(previous, next)
    this.#state = next
    const change: StateChange = reason === undefined ? { previous, next } : { previous, next, reason }
    for (const listener of [...this.#listeners]) listener(change)
    return true
  }

  onChange(listener: (change: StateChange) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}

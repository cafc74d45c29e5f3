/**
 * A tiny typed event emitter (no Node `events`, no DOM `EventTarget`, so the
 * client runs anywhere). A throwing listener must not leave the client half
 * way through a state change, so listener errors are caught and reported
 * asynchronously, the way a browser reports an error in an event listener.
 */
export type Listener<T> = (payload: T) => void

export class Emitter<Events extends { [K in keyof Events]: unknown }> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>()

  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name)
    if (!set) this.#listeners.set(name, (set = new Set()))
    set.add(listener as Listener<never>)
    return () => this.off(name, listener)
  }

  once<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(name, (payload) => {
      off()
      listener(payload)
    })
    return off
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    const set = this.#listeners.get(name)
    set?.delete(listener as Listener<never>)
    if (set?.size === 0) this.#listeners.delete(name)
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const set = this.#listeners.get(name)
    if (!set) return
    for (const listener of [...set]) {
      try {
        ;(listener as Listener<Events[K]>)(payload)
      } catch (err) {
        reportListenerError(err)
      }
    }
  }

  listenerCount(name: keyof Events): number {
    return this.#listeners.get(name)?.size ?? 0
  }

  removeAll(): void {
    this.#listeners.clear()
  }
}

export function reportListenerError(err: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError
  if (typeof report === 'function') report(err)
  else
    setTimeout(() => {
      throw err
    }, 0)
}

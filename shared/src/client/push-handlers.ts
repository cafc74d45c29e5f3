import type { PushFrame } from '../frames/server-frames.ts'
import { reportListenerError } from './emitter.ts'

type Handler = (data: unknown, push: PushFrame) => void

/** Push handlers by event type; `*` receives every push. A throwing handler does not stop the others. */
export class PushHandlers {
  readonly #byType = new Map<string, Set<Handler>>()

  add(type: string, handler: Handler): () => void {
    let set = this.#byType.get(type)
    if (!set) this.#byType.set(type, (set = new Set()))
    set.add(handler)
    return () => {
      set.delete(handler)
      if (set.size === 0 && this.#byType.get(type) === set) this.#byType.delete(type)
    }
  }

  dispatch(push: PushFrame): void {
    for (const key of [push.type, '*']) {
      const set = this.#byType.get(key)
      if (!set) continue
      for (const handler of [...set]) {
        try {
          handler(push.data, push)
        } catch (err) {
          reportListenerError(err)
        }
      }
    }
  }
}

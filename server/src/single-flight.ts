/**
 * One run of a periodic step at a time: a call while a run is going gets that
 * run instead of starting another beside it (a timer tick that comes while the
 * last one still waits on Redis or the database). A failure goes to `failed`;
 * the returned promise never rejects.
 */
export class SingleFlight {
  #running: Promise<void> | undefined

  run(step: () => Promise<void>, failed: (err: unknown) => void): Promise<void> {
    this.#running ??= step()
      .catch(failed)
      .finally(() => {
        this.#running = undefined
      })
    return this.#running
  }

  /** The run going on, if any (to wait for it at shutdown). */
  get current(): Promise<void> | undefined {
    return this.#running
  }
}

/**
 * What a background loop waits on when it has nothing to do until something happens in this
 * process (an advisory arrived, a publish freed room): `wait(signal)` resolves at the next
 * `notify()`, or as soon as `signal` aborts, and leaves no listener on the signal either way.
 * JavaScript runs the check ("nothing to do") and the `wait` in one turn, so no notify falls
 * between them.
 */
export class Wakeup {
  readonly #waiters = new Set<() => void>();

  /** Resolves at the next `notify()` or abort; never rejects. */
  wait(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every current waiter. A notify with nobody waiting is not remembered. */
  notify(): void {
    for (const done of [...this.#waiters]) done();
  }
}

/**
 * Work started and not finished yet (publishes awaiting their confirms, batches awaiting their
 * answer), for a close to wait on: a count, not a Set of the promises.
 *
 * Why: a long-lived Set that takes a promise in and out per call rehashes every few dozen changes,
 * and V8 links each old table to its successor. Once one of those tables reaches the old
 * generation, the young collector keeps every later promise alive, with every job and frame it
 * references, until the next full collection (see LinkedSet). A count holds no reference at all.
 */
export class PendingWork {
  #count = 0;
  #idleWaiters: (() => void)[] = [];
  /** One function for every piece of work: tracking allocates no closure. */
  readonly #finished = () => {
    this.#count--;
    if (this.#count === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  };

  /** How many are still running. */
  get size(): number {
    return this.#count;
  }

  /**
   * Counts `work` until it settles, fulfilled or rejected, and returns it unchanged. Tracking
   * marks a rejection of `work` as handled: work nobody else awaits must report its own errors
   * (the kit's forwarder and services, the AMQP receiver's copies all do), never reject.
   */
  track<T>(work: Promise<T>): Promise<T> {
    this.#count++;
    work.then(this.#finished, this.#finished);
    return work;
  }

  /**
   * Resolves once nothing tracked is running, at once when nothing is; never rejects. Work tracked
   * while it waits is waited for too: a close stops new work first, then waits here.
   */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}

import { PendingWork } from './pending-work.js';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** A batch being filled: its entries, and who waits for their outcome. */
interface OpenBatch<T> {
  readonly entries: T[];
  /** One per entry (outcomes per entry), or one for the whole batch (`flushAll`). */
  readonly waiters: Waiter[];
  /** `flushAll`: the promise every entry's caller gets. */
  readonly shared: Promise<void> | undefined;
}

export type BatcherOptions<T> = {
  /** Largest batch the broker takes in one call (SQS: 10). */
  readonly maxSize: number;
} & (
  | {
      /**
       * Sends one batch. Resolves one item per entry, in order: undefined for success, anything
       * else is that entry's error. Rejecting fails every entry of the batch.
       */
      readonly flush: (entries: readonly T[]) => Promise<readonly unknown[]>;
    }
  | {
      /**
       * Sends one batch that succeeds or fails as one (an ack request on most brokers): every
       * caller of the batch gets the same promise. None is made per entry: a worker acks every job,
       * and a promise, two functions and a record per ack were a sixth of what a Pub/Sub job
       * allocated in the worker.
       */
      readonly flushAll: (entries: readonly T[]) => Promise<void>;
    }
);

/**
 * Coalesces single calls into batch calls: everything added in the same turn of the event loop
 * goes out together, and a full batch goes out at once. A worker at concurrency 16 settles many
 * deliveries at once, and one request each would cut its throughput; yet each caller still learns
 * its own entry's outcome, so one refused entry fails alone and none is lost (with `flushAll`, a
 * batch the broker takes or refuses as a whole, each learns the batch's).
 */
export class Batcher<T> {
  readonly #maxSize: number;
  /** Outcomes per entry, or undefined when the whole batch succeeded (`flushAll`). */
  readonly #flush: (entries: readonly T[]) => Promise<readonly unknown[] | undefined>;
  readonly #shared: boolean;
  #open: OpenBatch<T> | undefined;
  #scheduled = false;
  /** Batches sent and not answered yet: `drain` waits for them. */
  readonly #inFlight = new PendingWork();

  constructor(options: BatcherOptions<T>) {
    this.#maxSize = Math.max(1, options.maxSize);
    if ('flushAll' in options) {
      const { flushAll } = options;
      this.#flush = async (entries) => {
        await flushAll(entries);
        return undefined;
      };
    } else this.#flush = options.flush;
    this.#shared = 'flushAll' in options;
  }

  /** Resolves once this entry's batch succeeded for it; rejects with its own error otherwise. */
  add(entry: T): Promise<void> {
    this.#open ??= this.#openBatch();
    const batch = this.#open;
    batch.entries.push(entry);
    const settled =
      batch.shared ??
      new Promise<void>((resolve, reject) => {
        batch.waiters.push({ resolve, reject });
      });
    if (batch.entries.length >= this.#maxSize) this.#send();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      // Once every promise job of this turn has run (a tick queued from a microtask runs after
      // the microtask queue drained, as DataLoader batches): callers that settle after an await
      // in the same turn (a loop over deliveries, handlers finishing together) still join, and
      // the batch does not wait for the event loop's next I/O phase as setImmediate made it do.
      // That wait was a fifth of a millisecond per Pub/Sub pull-and-ack round on pstest, where
      // a worker's room comes back only when the acks are answered.
      queueMicrotask(() => process.nextTick(this.#sendScheduled));
    }
    return settled;
  }

  readonly #sendScheduled = () => {
    this.#scheduled = false;
    this.#send();
  };

  /** Sends what is pending now and resolves once every batch handed out is answered. */
  async drain(): Promise<void> {
    this.#send();
    await this.#inFlight.idle();
  }

  #openBatch(): OpenBatch<T> {
    if (!this.#shared) return { entries: [], waiters: [], shared: undefined };
    const waiters: Waiter[] = [];
    const shared = new Promise<void>((resolve, reject) => {
      waiters.push({ resolve, reject });
    });
    return { entries: [], waiters, shared };
  }

  #send(): void {
    const batch = this.#open;
    if (batch === undefined) return;
    this.#open = undefined;
    // #call never rejects: each caller learns its entry's outcome.
    this.#inFlight.track(this.#call(batch));
  }

  async #call({ entries, waiters }: OpenBatch<T>): Promise<void> {
    let results: readonly unknown[] | undefined;
    try {
      results = await this.#flush(entries);
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
      return;
    }
    if (this.#shared) {
      for (const waiter of waiters) waiter.resolve();
      return;
    }
    const outcomes = results ?? [];
    waiters.forEach((waiter, i) => {
      // A missing outcome is not a success: acking on a guess would break at-least-once.
      if (i >= outcomes.length)
        waiter.reject(
          new Error(`batch flush returned ${outcomes.length} outcomes for ${entries.length} entries`),
        );
      else if (outcomes[i] === undefined) waiter.resolve();
      else waiter.reject(outcomes[i]);
    });
  }
}

import { PendingWork } from './pending-work.js';

interface Pending<T> {
  readonly entry: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface BatcherOptions<T> {
  /** Largest batch the broker takes in one call (SQS: 10). */
  readonly maxSize: number;
  /**
   * Sends one batch. Resolves one item per entry, in order: undefined for success, anything else
   * is that entry's error. Rejecting fails every entry of the batch.
   */
  readonly flush: (entries: readonly T[]) => Promise<readonly unknown[]>;
}

/**
 * Coalesces single calls into batch calls: everything added in the same turn of the event loop
 * goes out together, and a full batch goes out at once. A worker at concurrency 16 settles many
 * deliveries at once, and one request each would cut its throughput; yet each caller still learns
 * its own entry's outcome, so one refused entry fails alone and none is lost.
 */
export class Batcher<T> {
  readonly #maxSize: number;
  readonly #flush: (entries: readonly T[]) => Promise<readonly unknown[]>;
  #pending: Pending<T>[] = [];
  #scheduled = false;
  /** Batches sent and not answered yet: `drain` waits for them. */
  readonly #inFlight = new PendingWork();

  constructor(options: BatcherOptions<T>) {
    this.#maxSize = Math.max(1, options.maxSize);
    this.#flush = options.flush;
  }

  /** Resolves once this entry's batch succeeded for it; rejects with its own error otherwise. */
  add(entry: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ entry, resolve, reject });
      if (this.#pending.length >= this.#maxSize) this.#send();
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
    });
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

  #send(): void {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxSize);
      // #call never rejects: each entry learns its own outcome.
      this.#inFlight.track(this.#call(batch));
    }
  }

  async #call(batch: readonly Pending<T>[]): Promise<void> {
    let results: readonly unknown[];
    try {
      results = await this.#flush(batch.map((item) => item.entry));
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      // A missing outcome is not a success: acking on a guess would break at-least-once.
      if (i >= results.length)
        item.reject(new Error(`batch flush returned ${results.length} outcomes for ${batch.length} entries`));
      else if (results[i] === undefined) item.resolve();
      else item.reject(results[i]);
    });
  }
}

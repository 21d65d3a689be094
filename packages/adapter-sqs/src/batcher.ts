/**
 * Coalesces single calls into batch calls of at most `maxSize` entries: everything asked for in
 * the same tick goes out together, and a full batch goes out at once. Each caller gets its own
 * entry's outcome, so one refused entry fails alone (P2) and none is lost.
 */
export class Batcher<T> {
  readonly #maxSize: number;
  readonly #flush: (entries: readonly T[]) => Promise<readonly (Error | undefined)[]>;
  #pending: { entry: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #scheduled = false;
  readonly #inFlight = new Set<Promise<void>>();

  /** `flush` resolves with one item per entry: undefined for success, or that entry's error. */
  constructor(maxSize: number, flush: (entries: readonly T[]) => Promise<readonly (Error | undefined)[]>) {
    this.#maxSize = maxSize;
    this.#flush = flush;
  }

  add(entry: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ entry, resolve, reject });
      if (this.#pending.length >= this.#maxSize) this.#send();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#send();
        });
      }
    });
  }

  /** Resolves once every batch handed out so far has been answered. */
  async drain(): Promise<void> {
    this.#send();
    await Promise.allSettled([...this.#inFlight]);
  }

  #send(): void {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxSize);
      const call = this.#flush(batch.map((item) => item.entry)).then(
        (results) => {
          batch.forEach((item, i) => {
            const error = results[i];
            if (error) item.reject(error);
            else item.resolve();
          });
        },
        (error: unknown) => {
          for (const item of batch) item.reject(error);
        },
      );
      const tracked = call.finally(() => this.#inFlight.delete(tracked));
      this.#inFlight.add(tracked);
    }
  }
}

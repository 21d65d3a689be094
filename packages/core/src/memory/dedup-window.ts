/**
 * The dedup ids a memory queue has seen inside its window, like SQS FIFO's five minutes: a send
 * that repeats one is dropped, and the caller learns the id of the job that was kept.
 */
export class DedupWindow {
  readonly #windowMs: number;
  readonly #seen = new Map<string, { readonly id: string; readonly until: number }>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /**
   * Records `dedupId` for job `id` at `now`, unless it was seen inside the window: then returns
   * the id of the job kept the first time.
   */
  check(dedupId: string, id: string, now: number): string | undefined {
    const original = this.#seen.get(dedupId);
    if (original !== undefined && original.until > now) return original.id;
    this.#seen.set(dedupId, { id, until: now + this.#windowMs });
    // Expired ids are swept only once there are many: a sweep is O(n).
    if (this.#seen.size > 10_000) {
      for (const [key, { until }] of this.#seen) if (until <= now) this.#seen.delete(key);
    }
    return undefined;
  }
}

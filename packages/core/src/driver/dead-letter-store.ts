import type { DeadLetterRecord, JobMeta } from '../wire/job-meta.js';

/** One dead letter, as stored on the broker. */
export interface StoredDeadLetter {
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly meta: Partial<JobMeta> & { readonly id: string };
  /** Absent when something other than polyqueue put the message there (a native safety net). */
  readonly record?: DeadLetterRecord;
  readonly native: unknown;
}

/**
 * Operations on a queue's dead-letter queue.
 *
 * Contract for drivers:
 * - `peek` does not remove, lock for long, or count as a delivery of what it returns.
 * - `redrive` moves messages back to their source queue with the attempt count reset
 *   (`attemptOffset` 0, dead-letter headers removed) and returns how many it moved. It must
 *   neither lose nor duplicate: publish to the source, confirmed, then remove from the DLQ.
 * - `purge` deletes and returns how many were deleted (approximate where the broker is).
 */
export interface DeadLetterStore {
  peek(limit: number): Promise<readonly StoredDeadLetter[]>;
  redrive(limit?: number): Promise<number>;
  /**
   * `redrive`, of the letters `select` accepts only (by id, by reason): up to `limit` of them,
   * the others left where they are, untouched. Optional: where absent, core answers a filtered
   * redrive with `UnsupportedFeatureError`. With the kit's `redrive` loop, pass `select` through
   * (the others are held aside until the call ends, so `take` must not give back what an earlier
   * take of the same call holds).
   */
  redriveWhere?(select: (letter: StoredDeadLetter) => boolean, limit?: number): Promise<number>;
  purge(): Promise<number>;
}

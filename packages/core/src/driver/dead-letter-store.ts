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

/** What one `DeadLetterStore.redrive` call moves. */
export interface RedriveRequest {
  /** At most this many jobs (default: all there are). */
  readonly limit?: number;
  /**
   * Only the letters this accepts (by id, by reason...): called once per letter the call looks
   * at. The others stay in the dead-letter queue, untouched. Absent: every letter.
   */
  readonly select?: (letter: StoredDeadLetter) => boolean;
}

/**
 * Operations on a queue's dead-letter queue.
 *
 * Contract for drivers:
 * - `peek` does not remove, lock for long, or count as a delivery of what it returns.
 * - `redrive` moves messages back to their source queue with the attempt count reset
 *   (`attemptOffset` 0, dead-letter headers removed) and returns how many it moved. It must
 *   neither lose nor duplicate: publish to the source, confirmed, then remove from the DLQ.
 *   With `select`, only the letters it accepts move, each converted to a `StoredDeadLetter` (as
 *   `peek` returns it) and shown to `select` once; the others are held aside (locked, invisible,
 *   unacked) until the call ends, so that the call goes on past them, and then given back
 *   without counting as a delivery or an attempt. What a call holds is bounded (in letters and
 *   in time, so that no hold lapses mid-call): the kit's `redrive` loop does this with `select`
 *   and its `hold` option.
 * - `purge` deletes and returns how many were deleted (approximate where the broker is).
 */
export interface DeadLetterStore {
  peek(limit: number): Promise<readonly StoredDeadLetter[]>;
  redrive(request: RedriveRequest): Promise<number>;
  purge(): Promise<number>;
}

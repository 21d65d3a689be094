/** What a move (`moveJobs`) takes and what it reports. */

export interface MoveOptions {
  /** Move at most this many jobs (default: until the source is drained). */
  readonly limit?: number;
  /** At most this many jobs a second (default: as fast as both brokers go). */
  readonly ratePerSecond?: number;
  /**
   * The source counts as drained once receiving brought nothing for this long (default 2000 ms).
   * Jobs still delayed or in backoff on the source are not deliverable, so they are not moved.
   * `Infinity` follows the source instead: the move never drains, it waits on the receiver's own
   * long poll for the next job and ends only at the limit, the signal or a failure (the outbox
   * relay runs it so).
   */
  readonly idleMs?: number;
  /**
   * Stops the move: no more receiving; publishes under way finish and are acked on the source,
   * anything received after the stop is handed back. The move then resolves, `ended: 'stopped'`.
   */
  readonly signal?: AbortSignal;
  /**
   * Told the running total after each batch the target confirmed and the source acked, and the
   * jobs of that batch (id and enqueuedAt, for a relay's lag).
   */
  readonly onProgress?: (moved: number, batch: readonly MovedJob[]) => void;
}

/** A job of a batch moved: on the target, acked on the source. */
export interface MovedJob {
  readonly id: string;
  /** When it was first sent (epoch ms), on the source's clock. */
  readonly enqueuedAt: number;
}

export interface MoveResult {
  /** Jobs now on the target and removed from the source. */
  readonly moved: number;
  /** Why it ended: nothing left to receive, the limit reached, or the signal. */
  readonly ended: 'drained' | 'limit' | 'stopped';
}

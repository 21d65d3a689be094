/** The counts of `QueueStats`, in display order. */
export const STATS_FIELDS = ['ready', 'delayed', 'inFlight', 'deadLettered'] as const;

/** One count of `QueueStats`; `capabilities.stats` lists those an adapter gives. */
export type StatsField = (typeof STATS_FIELDS)[number];

/**
 * Approximate counts for one queue. A count the broker cannot tell is `undefined`, never a made-up
 * `0`: an operator reading "0 in flight" would believe it. `capabilities.stats` declares which
 * counts an adapter gives (rule Q4).
 */
export interface QueueStats {
  /** Deliverable now. */
  readonly ready: number | undefined;
  /** Waiting for a delay or a retry backoff to pass. */
  readonly delayed: number | undefined;
  /** Delivered and not yet settled. */
  readonly inFlight: number | undefined;
  /** In the queue's dead-letter queue. */
  readonly deadLettered: number | undefined;
}

/** Stats of a broker that can tell nothing. */
export const UNKNOWN_STATS: QueueStats = Object.freeze({
  ready: undefined,
  delayed: undefined,
  inFlight: undefined,
  deadLettered: undefined,
});

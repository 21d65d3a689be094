/** Approximate counts for one queue (capability `stats`). */
export interface QueueStats {
  /** Deliverable now. */
  readonly ready: number;
  /** Waiting for a delay or a retry backoff to pass. */
  readonly delayed: number;
  /** Delivered and not yet settled. */
  readonly inFlight: number;
  /** In the queue's dead-letter queue. */
  readonly deadLettered: number;
}

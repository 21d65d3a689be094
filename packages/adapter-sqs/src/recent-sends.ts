/** SQS FIFO's deduplication interval. */
const WINDOW_MS = 300_000;
/** Bound on what is remembered; the oldest is forgotten first. */
const MAX_TRACKED = 50_000;

/**
 * SQS FIFO accepts a send whose deduplication id it saw in the last 5 minutes, drops it, and
 * answers with the MessageId of the message it kept. To return the kept job's id (not the
 * dropped one's), this process remembers which job each MessageId it sent with a `dedupId`
 * carries. A duplicate of a send made by another process, or more than `MAX_TRACKED` sends ago,
 * is not recognised: its send returns its own id.
 */
export class RecentSends {
  readonly #jobs = new Map<string, { readonly jobId: string; readonly at: number }>();

  /** The job kept under `messageId` if it is not `jobId`; else records `jobId` as kept there. */
  keptJob(messageId: string, jobId: string, now: number): string | undefined {
    this.#forgetOlderThan(now - WINDOW_MS);
    const kept = this.#jobs.get(messageId);
    if (kept !== undefined) return kept.jobId === jobId ? undefined : kept.jobId;
    this.#jobs.set(messageId, { jobId, at: now });
    if (this.#jobs.size > MAX_TRACKED) this.#jobs.delete(this.#jobs.keys().next().value!);
    return undefined;
  }

  #forgetOlderThan(limit: number): void {
    for (const [messageId, { at }] of this.#jobs) {
      if (at >= limit) return;
      this.#jobs.delete(messageId);
    }
  }
}

/** Beyond this many remembered sends the oldest are forgotten: a bound on memory, not on correctness. */
const MAX_REMEMBERED = 100_000;

/**
 * The dedupIds this connection sent, per queue, while Service Bus still remembers them. Duplicate
 * detection drops a repeated messageId silently: the send succeeds and says nothing. So that a
 * producer that sends a job again (a retried request, say) learns the id of the job that will run,
 * the driver answers a repeat it sent itself with the kept job's id (`duplicateOf`).
 *
 * - Only sends this connection made are known; a repeat of another process's send gets a new id.
 * - An entry expires `windowMs` after the send started, a little before Service Bus forgets it,
 *   so a send Service Bus would accept again is never reported as a duplicate. This assumes the
 *   queue's window is at least `dedup_window_ms` (as polyqueue creates it).
 */
export class SentDedupIds {
  readonly #windowMs: number;
  /** Key: queue and dedupId. Insertion order is expiry order: every entry lives `windowMs`. */
  readonly #sent = new Map<string, { readonly jobId: string; readonly until: number }>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** The job id an earlier send of `dedupId` to `queue` kept, if it is still within the window. */
  keptId(queue: string, dedupId: string, now: number): string | undefined {
    this.#expire(now);
    return this.#sent.get(key(queue, dedupId))?.jobId;
  }

  /** Records a send Service Bus accepted, whose window started no later than `startedAt`. */
  remember(queue: string, dedupId: string, jobId: string, startedAt: number): void {
    const name = key(queue, dedupId);
    if (this.#sent.has(name)) return;
    this.#sent.set(name, { jobId, until: startedAt + this.#windowMs });
    if (this.#sent.size > MAX_REMEMBERED) this.#sent.delete(this.#sent.keys().next().value!);
  }

  #expire(now: number): void {
    for (const [name, entry] of this.#sent) {
      if (entry.until > now) return;
      this.#sent.delete(name);
    }
  }
}

function key(queue: string, dedupId: string): string {
  return `${queue}\u0000${dedupId}`;
}

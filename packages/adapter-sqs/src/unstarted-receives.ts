/** How many messages' credits are kept; the oldest is forgotten first. */
const MAX_TRACKED = 10_000;

/**
 * Receives that SQS counted but no handler used: FIFO followers handed back because the message
 * ahead of them in their group went back for a retry, Lambda records skipped after a failure, and
 * released deliveries. Each such receive raised the message's `ApproximateReceiveCount`; the next
 * delivery of the message subtracts them, so a job that never ran loses no attempt.
 *
 * The credit lives in this process (SQS keeps no per-message counter the adapter could lower, and
 * republishing a FIFO follower would put it behind later jobs of its group): a message received
 * next by another process, or after a restart, is not credited. It is bounded: at most
 * `MAX_TRACKED` messages, the oldest forgotten first.
 */
export class UnstartedReceives {
  readonly #credits = new Map<string, number>();

  /** Receives of `messageId` that did not run. */
  of(messageId: string | undefined): number {
    return messageId === undefined ? 0 : (this.#credits.get(messageId) ?? 0);
  }

  /** One receive of `messageId` is handed back unstarted. */
  add(messageId: string | undefined): void {
    if (messageId === undefined) return;
    const credit = this.of(messageId) + 1;
    this.#credits.delete(messageId);
    this.#credits.set(messageId, credit);
    if (this.#credits.size > MAX_TRACKED) this.#credits.delete(this.#credits.keys().next().value!);
  }

  /** The message is gone from the queue (deleted): nothing more to credit. */
  forget(messageId: string | undefined): void {
    if (messageId !== undefined) this.#credits.delete(messageId);
  }
}

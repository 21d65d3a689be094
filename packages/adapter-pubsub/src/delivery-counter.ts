/** Beyond this many tracked messages the oldest are forgotten (a bound on memory, not on correctness). */
const MAX_TRACKED = 100_000;

/**
 * Counts how often this connection has received each unsettled message. Pub/Sub only counts
 * deliveries (`deliveryAttempt`) on subscriptions with a dead-letter policy; without one, this
 * local count still makes a redelivery to the same process (a lapsed lease, a failed settlement)
 * count as a new attempt. A redelivery to another process is only counted by the broker.
 * One counter per subscription, keyed by message id (unique within the subscription's topic): no
 * key is built per message.
 */
export class DeliveryCounter {
  readonly #counts = new Map<string, number>();

  /** Records one more delivery of `key` and returns how many this connection has seen. */
  received(key: string): number {
    const previous = this.#counts.get(key);
    const count = (previous ?? 0) + 1;
    // Re-insert: Map order is then least recently received first.
    if (previous !== undefined) this.#counts.delete(key);
    this.#counts.set(key, count);
    if (this.#counts.size > MAX_TRACKED) {
      const oldest = this.#counts.keys().next().value;
      if (oldest !== undefined) this.#counts.delete(oldest);
    }
    return count;
  }

  /** A released message was not an attempt: its next delivery counts the same as this one. */
  released(key: string): void {
    const count = this.#counts.get(key);
    if (count !== undefined) this.#counts.set(key, count - 1);
  }

  /** The message left the subscription (acked, retried as a copy, dead-lettered). */
  settled(key: string): void {
    this.#counts.delete(key);
  }
}

import type { DeliveryCounter } from './delivery-counter.js';
import type { PubSubApi, PulledMessage } from './pubsub-client.js';
import { SubscriptionSettler } from './subscription-settler.js';

/** Pub/Sub's longest ack deadline. */
const MAX_DEADLINE_S = 600;

/**
 * One subscription workers pull from (a queue's `work` or `ready` subscription): its name, and
 * how the messages pulled from it are counted and settled. A message is always settled on the
 * subscription it was pulled from.
 */
export class PullSource {
  readonly subscription: string;
  readonly #counter: DeliveryCounter;
  readonly #settle: SubscriptionSettler;

  constructor(api: PubSubApi, subscription: string, counter: DeliveryCounter) {
    this.subscription = subscription;
    this.#counter = counter;
    this.#settle = new SubscriptionSettler(api, subscription);
  }

  /** Records a pulled message as handed out and returns its delivery count. */
  received(message: PulledMessage): number {
    const local = this.#counter.received(message.messageId);
    // The broker's count (subscriptions with a dead-letter policy) sees other processes too.
    return Math.max(local, message.deliveryAttempt);
  }

  ack(message: PulledMessage): Promise<void> {
    this.#counter.settled(message.messageId);
    return this.#settle.ack(message.ackId);
  }

  /** modifyAckDeadline 0: deliverable again at once, and not counted as an attempt here. */
  release(message: PulledMessage): Promise<void> {
    this.#counter.released(message.messageId);
    return this.#settle.modifyAckDeadline(message.ackId, 0);
  }

  /**
   * Hands back messages pulled but never handed out to a worker: deliverable again at once, and
   * not counted as deliveries (`received` was called for each when it was pulled).
   */
  handBack(messages: readonly PulledMessage[]): Promise<void> {
    for (const message of messages) this.#counter.released(message.messageId);
    return this.#settle.modifyAllAckDeadlines(
      messages.map((message) => message.ackId),
      0,
    );
  }

  extend(message: PulledMessage, leaseMs: number): Promise<void> {
    return this.#settle.modifyAckDeadline(message.ackId, leaseSeconds(leaseMs));
  }

  /** Sets the lease of freshly pulled messages when it differs from the subscription's deadline. */
  async startLeases(messages: readonly PulledMessage[], leaseMs: number): Promise<void> {
    await this.#settle.modifyAllAckDeadlines(
      messages.map((message) => message.ackId),
      leaseSeconds(leaseMs),
    );
  }
}

/** Ack deadlines are whole seconds: round up, so that a lease is never shorter than asked. */
export function leaseSeconds(leaseMs: number): number {
  return Math.min(MAX_DEADLINE_S, Math.max(1, Math.ceil(leaseMs / 1_000)));
}

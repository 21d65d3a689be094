import { Batcher } from '@polyqueue/core/driver';
import type { PubSubApi } from './pubsub-client.js';

/** Most ack ids Pub/Sub takes in one acknowledge or modifyAckDeadline request. */
const MAX_IDS_PER_REQUEST = 1_000;

/**
 * The settlements of one subscription (acks, and ack-deadline changes, 0 being a nack), each kind
 * coalesced by the kit's {@link Batcher}: what is settled in the same turn of the event loop goes
 * out as one request per kind. Pub/Sub sets one deadline per modifyAckDeadline request, so each
 * deadline value has its own batcher. A worker at concurrency 64 settles many deliveries at once,
 * and one request each would cut its throughput; each caller still learns its own outcome.
 */
export class SubscriptionSettler {
  readonly #api: PubSubApi;
  readonly #subscription: string;
  readonly #acks: Batcher<string>;
  /** One per deadline value in use; few distinct values occur (0, the lease, a delay's park). */
  readonly #deadlines = new Map<number, Batcher<string>>();

  constructor(api: PubSubApi, subscription: string) {
    this.#api = api;
    this.#subscription = subscription;
    this.#acks = new Batcher({
      maxSize: MAX_IDS_PER_REQUEST,
      flushAll: (ackIds) => api.acknowledge(subscription, ackIds),
    });
  }

  ack(ackId: string): Promise<void> {
    return this.#acks.add(ackId);
  }

  /** 0 seconds is a nack: deliverable again at once. */
  modifyAckDeadline(ackId: string, seconds: number): Promise<void> {
    let batcher = this.#deadlines.get(seconds);
    if (batcher === undefined) {
      const api = this.#api;
      const subscription = this.#subscription;
      batcher = new Batcher({
        maxSize: MAX_IDS_PER_REQUEST,
        flushAll: (ackIds) => api.modifyAckDeadline(subscription, ackIds, seconds),
      });
      this.#deadlines.set(seconds, batcher);
    }
    return batcher.add(ackId);
  }

  /** Many at once, joining whatever else is settled in the same turn. */
  async ackAll(ackIds: readonly string[]): Promise<void> {
    await Promise.all(ackIds.map((ackId) => this.ack(ackId)));
  }

  async modifyAllAckDeadlines(ackIds: readonly string[], seconds: number): Promise<void> {
    await Promise.all(ackIds.map((ackId) => this.modifyAckDeadline(ackId, seconds)));
  }
}

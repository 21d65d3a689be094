import type { PubSubApi } from './pubsub-client.js';

interface Pending {
  readonly ackId: string;
  /** undefined: acknowledge; a number: modifyAckDeadline to that many seconds (0 = nack). */
  readonly seconds: number | undefined;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces the acks and ack-deadline changes of one subscription made in the same turn of the
 * event loop into one request each: a worker at concurrency 16 settles many deliveries at once,
 * and one RPC per delivery would halve its throughput. Each caller still learns whether its own
 * settlement reached the broker.
 */
export class SettleBatcher {
  readonly #api: PubSubApi;
  readonly #subscription: string;
  #pending: Pending[] = [];
  #scheduled = false;

  constructor(api: PubSubApi, subscription: string) {
    this.#api = api;
    this.#subscription = subscription;
  }

  ack(ackId: string): Promise<void> {
    return this.#enqueue(ackId, undefined);
  }

  modifyAckDeadline(ackId: string, seconds: number): Promise<void> {
    return this.#enqueue(ackId, seconds);
  }

  #enqueue(ackId: string, seconds: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ ackId, seconds, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#scheduled = false;
    const groups = new Map<number | undefined, Pending[]>();
    for (const item of batch) {
      const group = groups.get(item.seconds);
      if (group) group.push(item);
      else groups.set(item.seconds, [item]);
    }
    await Promise.all(
      [...groups].map(async ([seconds, items]) => {
        const ids = items.map((item) => item.ackId);
        try {
          if (seconds === undefined) await this.#api.acknowledge(this.#subscription, ids);
          else await this.#api.modifyAckDeadline(this.#subscription, ids, seconds);
          for (const item of items) item.resolve();
        } catch (error) {
          for (const item of items) item.reject(error);
        }
      }),
    );
  }
}

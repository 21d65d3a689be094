import type {
  DeadLetterRecord,
  JobMeta,
  OutgoingMessage,
  QueueTopology,
  SendOutcome,
} from '@polyqueue/core/driver';
import type { DeliveryCounter } from './delivery-counter.js';
import { type NativeNames, nativeNames } from './native-names.js';
import type { OutgoingPubSubMessage, PubSubApi, PulledMessage } from './pubsub-client.js';
import { SettleBatcher } from './settle-batcher.js';
import { toAttributes } from './wire.js';

/** What a queue connection needs from its driver. */
export interface DriverLink {
  readonly api: PubSubApi;
  readonly prefix: string;
  readonly counter: DeliveryCounter;
  /** False once the driver closed or was abandoned: settlements are then no-ops. */
  readonly alive: boolean;
  /** Deliveries handed out and not settled, released by a graceful close. */
  readonly unsettled: Set<{ release(): Promise<void> }>;
}

/** Pub/Sub's longest ack deadline. */
const MAX_DEADLINE_S = 600;

/**
 * One queue as seen through one driver: its native names, how its jobs are published (straight to
 * the work topic, or through the delay path when they are not due yet), and how deliveries of its
 * work subscription are settled.
 */
export class QueueConnection {
  readonly topology: QueueTopology;
  readonly names: NativeNames;
  readonly #link: DriverLink;
  readonly #settle: SettleBatcher;

  constructor(link: DriverLink, topology: QueueTopology) {
    this.#link = link;
    this.topology = topology;
    this.names = nativeNames(link.prefix, topology);
    this.#settle = new SettleBatcher(link.api, this.names.work);
  }

  get alive(): boolean {
    return this.#link.alive;
  }

  get prefix(): string {
    return this.#link.prefix;
  }

  get api(): PubSubApi {
    return this.#link.api;
  }

  /** Due jobs go to the work topic (with their ordering key); the others to the delay path. */
  async send(messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    const now = Date.now();
    const direct: number[] = [];
    const delayed: number[] = [];
    messages.forEach((message, i) => {
      (message.meta.notBefore !== undefined && message.meta.notBefore > now ? delayed : direct).push(i);
    });
    const outcomes: SendOutcome[] = new Array(messages.length);
    const publish = async (topic: string, indices: number[], withOrderingKey: boolean) => {
      if (indices.length === 0) return;
      const results = await this.api.publish(
        topic,
        indices.map((i) => toPubSub(messages[i]!, withOrderingKey)),
      );
      results.forEach((result, k) => {
        outcomes[indices[k]!] = result.ok ? OK : { ok: false, error: result.error };
      });
    };
    await Promise.all([publish(this.names.work, direct, true), publish(this.names.delay, delayed, false)]);
    return outcomes;
  }

  /** Publishes one copy of a job (a retry) and rejects if it was not accepted. */
  async publishCopy(
    body: Uint8Array,
    attributes: Readonly<Record<string, string>>,
    meta: JobMeta,
  ): Promise<void> {
    const [outcome] = await this.send([{ body, attributes, meta }]);
    if (!outcome?.ok) throw outcome?.error ?? new Error('publish returned no outcome');
  }

  async publishDeadLetter(
    body: Uint8Array,
    attributes: Readonly<Record<string, string>>,
    meta: JobMeta,
    record: DeadLetterRecord,
  ): Promise<void> {
    const [outcome] = await this.api.publish(this.names.deadLetter, [
      { data: body, attributes: toAttributes(attributes, meta, record) },
    ]);
    if (!outcome?.ok) throw outcome?.error ?? new Error('publish returned no outcome');
  }

  /** Records a pulled message as handed out and returns its delivery count. */
  received(message: PulledMessage): number {
    const local = this.#link.counter.received(message.messageId);
    // The broker's count (subscriptions with a dead-letter policy) sees other processes too.
    return Math.max(local, message.deliveryAttempt);
  }

  track(delivery: { release(): Promise<void> }): void {
    this.#link.unsettled.add(delivery);
  }

  forget(delivery: { release(): Promise<void> }): void {
    this.#link.unsettled.delete(delivery);
  }

  ack(message: PulledMessage): Promise<void> {
    this.#link.counter.settled(message.messageId);
    return this.#settle.ack(message.ackId);
  }

  release(message: PulledMessage): Promise<void> {
    this.#link.counter.released(message.messageId);
    return this.#settle.modifyAckDeadline(message.ackId, 0);
  }

  extend(message: PulledMessage, leaseMs: number): Promise<void> {
    return this.#settle.modifyAckDeadline(message.ackId, leaseSeconds(leaseMs));
  }

  /** Sets the lease of freshly pulled messages when it differs from the subscription's deadline. */
  async startLeases(messages: readonly PulledMessage[], leaseMs: number): Promise<void> {
    const seconds = leaseSeconds(leaseMs);
    await Promise.all(messages.map((message) => this.#settle.modifyAckDeadline(message.ackId, seconds)));
  }
}

/** Ack deadlines are whole seconds: round up, so that a lease is never shorter than asked. */
export function leaseSeconds(leaseMs: number): number {
  return Math.min(MAX_DEADLINE_S, Math.max(1, Math.ceil(leaseMs / 1_000)));
}

const OK: SendOutcome = Object.freeze({ ok: true });

function toPubSub(message: OutgoingMessage, withOrderingKey: boolean): OutgoingPubSubMessage {
  const orderingKey = withOrderingKey ? message.meta.orderingKey : undefined;
  return {
    data: message.body,
    attributes: toAttributes(message.attributes, message.meta),
    ...(orderingKey !== undefined ? { orderingKey } : {}),
  };
}

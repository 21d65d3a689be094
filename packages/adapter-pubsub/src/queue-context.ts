import type {
  DeadLetterRecord,
  JobMeta,
  Linked,
  LinkedSet,
  OutgoingMessage,
  QueueTopology,
  SendOutcome,
} from '@polyqueue/core/driver';
import type { DeliveryCounter } from './delivery-counter.js';
import { type NativeNames, nativeNames } from './native-names.js';
import type { OutgoingPubSubMessage, PubSubApi } from './pubsub-client.js';
import { PullSource } from './pull-source.js';
import { toAttributes, toDeadLetterAttributes } from './wire.js';

export { leaseSeconds } from './pull-source.js';

/** What a queue context needs from its driver. */
export interface DriverLink {
  readonly api: PubSubApi;
  readonly prefix: string;
  /** The delivery counter of a subscription, shared by every queue context that pulls it. */
  counterOf(subscription: string): DeliveryCounter;
  /** False once the driver closed or was abandoned: settlements are then no-ops. */
  readonly alive: boolean;
  /** Deliveries handed out and not settled, and receivers holding pulled messages: a graceful close releases them. */
  readonly unsettled: LinkedSet<Unsettled>;
}

/**
 * What a graceful close releases. A LinkedSet, not a Set: a Set that churns a delivery in and out
 * per job drags every delivery into the old generation (see LinkedSet), and on pstest that was
 * about 1 kB promoted per job and half of the worker's collector time.
 */
export interface Unsettled extends Linked<Unsettled> {
  release(): Promise<void>;
}

/**
 * One queue as seen through one driver: its native names, where its jobs are published, and the
 * two subscriptions its workers pull from.
 *
 * - Producers' jobs go to the work topic when due, else to the delay topic.
 * - What polyqueue republishes (retries, and due delayed jobs via the forwarder) goes to the ready
 *   topic when due, else to the delay topic: never to the work topic, so that any other
 *   subscription of the work topic sees each job exactly as often as producers sent it.
 */
export class QueueContext {
  readonly topology: QueueTopology;
  readonly names: NativeNames;
  /** The work subscription: jobs as producers sent them. */
  readonly work: PullSource;
  /** The ready subscription: retries, due delayed jobs, redriven dead letters. */
  readonly ready: PullSource;
  readonly #link: DriverLink;

  constructor(link: DriverLink, topology: QueueTopology) {
    this.#link = link;
    this.topology = topology;
    this.names = nativeNames(link.prefix, topology);
    this.work = new PullSource(link.api, this.names.work, link.counterOf(this.names.work));
    this.ready = new PullSource(link.api, this.names.ready, link.counterOf(this.names.ready));
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

  /** Producers' jobs: due ones to the work topic (with their ordering key), the others to the delay path. */
  send(messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    return this.#publishDueOrDelayed(this.names.work, messages);
  }

  /** Publishes one copy of a job (a retry) and rejects if it was not accepted: to `ready`, or the delay path. */
  async publishCopy(
    body: Uint8Array,
    attributes: Readonly<Record<string, string>>,
    meta: JobMeta,
  ): Promise<void> {
    const [outcome] = await this.#publishDueOrDelayed(this.names.ready, [{ body, attributes, meta }]);
    if (!outcome?.ok) throw outcome?.error ?? new Error('publish returned no outcome');
  }

  async #publishDueOrDelayed(
    dueTopic: string,
    messages: readonly OutgoingMessage[],
  ): Promise<readonly SendOutcome[]> {
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
    await Promise.all([publish(dueTopic, direct, true), publish(this.names.delay, delayed, false)]);
    return outcomes;
  }

  async publishDeadLetter(
    body: Uint8Array,
    attributes: Readonly<Record<string, string>>,
    meta: JobMeta,
    record: DeadLetterRecord,
  ): Promise<void> {
    const [outcome] = await this.api.publish(this.names.deadLetter, [
      { data: body, attributes: toDeadLetterAttributes(body, attributes, meta, record) },
    ]);
    if (!outcome?.ok) throw outcome?.error ?? new Error('publish returned no outcome');
  }

  track(delivery: Unsettled): void {
    this.#link.unsettled.add(delivery);
  }

  forget(delivery: Unsettled): void {
    this.#link.unsettled.delete(delivery);
  }
}

const OK: SendOutcome = Object.freeze({ ok: true });

function toPubSub(message: OutgoingMessage, withOrderingKey: boolean): OutgoingPubSubMessage {
  const data = message.body;
  const attributes = toAttributes(message.attributes, message.meta);
  const orderingKey = withOrderingKey ? message.meta.orderingKey : undefined;
  // Two literals rather than a conditional spread: that was an empty object and a copy per job.
  return orderingKey === undefined ? { data, attributes } : { data, attributes, orderingKey };
}

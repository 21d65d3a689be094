import type { PubSub } from '@google-cloud/pubsub';
import {
  type BackgroundErrorSink,
  BackgroundErrors,
  type Capabilities,
  type DeadLetterStore,
  type Driver,
  type ErrorCode,
  LinkedSet,
  type OutgoingMessage,
  QueueServices,
  type QueueStats,
  type QueueTopology,
  type Receiver,
  type ReceiverOptions,
  type SendOutcome,
  systemClock,
  UNKNOWN_STATS,
} from '@polyqueue/core/driver';
import { delayForwarder } from './delay-forwarder.js';
import { DeliveryCounter } from './delivery-counter.js';
import { type MonitoringClient, undeliveredCounts } from './monitoring-stats.js';
import type { PubSubApi, SubscriptionSettings } from './pubsub-client.js';
import { PubSubDeadLetters } from './pubsub-dead-letters.js';
import { ALREADY_EXISTS, hasGrpcCode, pubsubErrorCode } from './pubsub-errors.js';
import { PullReceiver } from './pull-receiver.js';
import { type DriverLink, leaseSeconds, QueueContext } from './queue-context.js';

export interface PubSubDriverSettings {
  /** Prepended to every topic and subscription name. Default ''. */
  readonly prefix: string;
  /** Smallest lease accepted. Pub/Sub: 10 s; a fake started with a lower minimum may allow less. */
  readonly minLeaseMs: number;
  /**
   * Put a dead-letter policy on each work subscription (maxAttempts + 1 deliveries, within Pub/Sub's
   * 5-100) as the native safety net for crash loops. It also makes Pub/Sub count deliveries, which
   * is how an attempt lost in a crash is counted. Needs IAM on real GCP (see README).
   */
  readonly deadLetterPolicy: boolean;
  /** How long a pull loop waits after an empty answer (how often an emulator is polled). */
  readonly pollIntervalMs: number;
  /** Cloud Monitoring, for the delayed and dead-lettered counts of `stats()`. Default: none. */
  readonly monitoring?: MonitoringClient | undefined;
}

/** Pub/Sub: 10 MB per message, data plus attributes; polyqueue's own attributes take the rest. */
const MAX_MESSAGE_BYTES = 10_000_000 - 16_384;
/** Pub/Sub's publish request limit. */
const MAX_BATCH = 1_000;
const DELAY_ACK_DEADLINE_S = 60;
const DEAD_LETTER_ACK_DEADLINE_S = 60;

/**
 * Google Cloud Pub/Sub. A queue is a topic and one subscription shared by its workers, plus a
 * ready topic and subscription (`.ready`) for what polyqueue republishes (retries, due delayed
 * jobs), a delay path (`.delay`) and a dead-letter queue (`.dlq`): see the README for names and
 * semantics.
 */
export class PubSubDriver implements Driver {
  readonly name = 'pubsub';
  readonly capabilities: Capabilities;
  readonly #api: PubSubApi;
  readonly #settings: PubSubDriverSettings;
  readonly #link: DriverLink;
  readonly #queues = new Map<string, QueueContext>();
  /** Where errors of background work go: core's broker 'error' event and its redacting logger. */
  readonly #errors = new BackgroundErrors();
  /** Each queue's delay forwarder, running while a receiver of the queue is open here. */
  readonly #services: QueueServices;
  #state: 'open' | 'closed' | 'dead' = 'open';

  constructor(api: PubSubApi, settings: PubSubDriverSettings) {
    this.#api = api;
    this.#settings = settings;
    const driver = this;
    const counters = new Map<string, DeliveryCounter>();
    this.#link = {
      api,
      prefix: settings.prefix,
      counterOf: (subscription) => {
        let counter = counters.get(subscription);
        if (counter === undefined) {
          counter = new DeliveryCounter();
          counters.set(subscription, counter);
        }
        return counter;
      },
      unsettled: new LinkedSet(),
      get alive() {
        return driver.#state === 'open';
      },
    };
    this.#services = new QueueServices((topology) => {
      const queue = this.#queue(topology);
      return [
        delayForwarder({
          api,
          clock: systemClock,
          errors: this.#errors,
          queue: topology.name,
          delay: queue.names.delay,
          target: queue.names.ready,
          wait: !api.isEmulator,
          pollIntervalMs: settings.pollIntervalMs,
        }),
      ];
    });
    this.capabilities = {
      maxMessageBytes: MAX_MESSAGE_BYTES,
      maxBatchSize: MAX_BATCH,
      maxNativeDelayMs: 0,
      lease: { expires: true, extendable: true, minMs: settings.minLeaseMs, maxMs: 600_000 },
      ordering: false,
      dedup: false,
      nativeDeadLetter: settings.deadLetterPolicy,
      // Only Cloud Monitoring counts, and only unacknowledged messages per subscription (leased
      // ones included): the delay and dead-letter subscriptions, never ready apart from in flight.
      stats: settings.monitoring === undefined ? [] : ['delayed', 'deadLettered'],
      listQueues: true,
      timing: { granularityMs: 10, toleranceMs: 1_000 },
    };
  }

  /**
   * Errors of work no caller awaits (the delay forwarder, releases at close) go to `sink`: the
   * broker's 'error' event and its logger. The job concerned always stays on the broker.
   */
  reportErrorsTo(sink: BackgroundErrorSink): void {
    this.#errors.attach(sink);
  }

  /** The API seam (tests, the push handler). */
  get api(): PubSubApi {
    return this.#api;
  }

  get alive(): boolean {
    return this.#state === 'open';
  }

  /**
   * Creates whatever is missing, and leaves what exists as it is (ALREADY_EXISTS is success), so
   * that it is safe from every process at once, and so that a queue provisioned by an older version
   * gains the entities it lacks (its ready topic and subscription).
   */
  async provision(topology: QueueTopology): Promise<void> {
    const queue = this.#queue(topology);
    const { work, ready, delay, deadLetter } = queue.names;
    const api = this.#api;
    await Promise.all(
      [work, ready, delay, deadLetter].map((topic) => ignoreExisting(api.createTopic(topic))),
    );
    // Workers pull `work` and `ready` alike: same lease, same native safety net.
    const nativeLimit = Math.min(100, Math.max(5, topology.maxAttempts + 1));
    const workerSettings: SubscriptionSettings = {
      ackDeadlineSeconds: leaseSeconds(topology.leaseMs),
      ...(this.#settings.deadLetterPolicy
        ? {
            deadLetterPolicy: {
              deadLetterTopic: api.topicPath(deadLetter),
              maxDeliveryAttempts: nativeLimit,
            },
          }
        : {}),
    };
    await Promise.all([
      ignoreExisting(api.createSubscription(work, work, workerSettings)),
      ignoreExisting(api.createSubscription(ready, ready, workerSettings)),
      ignoreExisting(api.createSubscription(delay, delay, { ackDeadlineSeconds: DELAY_ACK_DEADLINE_S })),
      ignoreExisting(
        api.createSubscription(deadLetter, deadLetter, { ackDeadlineSeconds: DEAD_LETTER_ACK_DEADLINE_S }),
      ),
    ]);
  }

  async send(topology: QueueTopology, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    this.#assertOpen();
    return this.#queue(topology).send(messages);
  }

  receiver(topology: QueueTopology, options: ReceiverOptions): Receiver {
    const queue = this.#queue(topology);
    return new PullReceiver(queue, options, {
      wait: !this.#api.isEmulator,
      pollIntervalMs: this.#settings.pollIntervalMs,
      // A receiver of a closed driver starts nothing: the release it gets back does nothing.
      acquireServices: () => (this.alive ? this.#services.acquire(topology) : () => undefined),
    });
  }

  deadLetters(topology: QueueTopology): DeadLetterStore {
    return new PubSubDeadLetters(this.#queue(topology));
  }

  /**
   * Without a monitoring client, every count is undefined (after checking the queue exists). With
   * one: delayed and deadLettered from `num_undelivered_messages` of the delay and dead-letter
   * subscriptions, a sample up to a few minutes old. See the README.
   */
  async stats(topology: QueueTopology): Promise<QueueStats> {
    this.#assertOpen();
    const { work, delay, deadLetter } = this.#queue(topology).names;
    await this.#api.getAckDeadlineSeconds(work);
    const monitoring = this.#settings.monitoring;
    if (monitoring === undefined) return UNKNOWN_STATS;
    const counts = await undeliveredCounts(monitoring, this.#api.projectId, [delay, deadLetter], Date.now());
    return {
      ready: undefined,
      delayed: counts.get(delay),
      inFlight: undefined,
      deadLettered: counts.get(deadLetter),
    };
  }

  /** The work queues of the prefix: topics whose `.ready` topic exists (a dead-letter topic has none). */
  async queues(): Promise<readonly string[]> {
    this.#assertOpen();
    const { prefix } = this.#settings;
    const topics = new Set(await this.#api.topicNames(prefix));
    return [...topics]
      .filter((topic) => topics.has(`${topic}.ready`))
      .map((topic) => topic.slice(prefix.length));
  }

  /** The client connects lazily: one bounded listing of one topic proves the endpoint answers. */
  async checkConnection(): Promise<void> {
    this.#assertOpen();
    await this.#api.checkConnection?.();
  }

  errorCode(error: unknown): ErrorCode {
    return pubsubErrorCode(error);
  }

  /** The escape hatch: the `PubSub` client (the user's own, when one was given). */
  native(): PubSub {
    return this.#api.native;
  }

  /** @internal The queue's context: names, publishing and settlement (push handler). */
  queueContext(topology: QueueTopology): QueueContext {
    return this.#queue(topology);
  }

  async close(mode: 'graceful' | 'abandon'): Promise<void> {
    if (this.#state !== 'open') return;
    if (mode === 'graceful') {
      // Still open while unsettled deliveries are handed back and forwarders hand back theirs.
      const unsettled = this.#link.unsettled.toArray();
      // A release that fails leaves the message to come back after its ack deadline: reported, not fatal.
      await Promise.all(
        unsettled.map((delivery) =>
          delivery.release().catch((error) => this.#errors.report('release', error)),
        ),
      );
    }
    this.#state = mode === 'graceful' ? 'closed' : 'dead';
    await this.#services.stopAll(mode);
    await this.#api.close({ flush: mode === 'graceful' });
  }

  #queue(topology: QueueTopology): QueueContext {
    const key = `${topology.name}\u0000${topology.deadLetterName}`;
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = new QueueContext(this.#link, topology);
      this.#queues.set(key, queue);
    }
    return queue;
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw Object.assign(new Error('connection is closed'), { code: 14 });
  }
}

async function ignoreExisting(creation: Promise<void>): Promise<void> {
  try {
    await creation;
  } catch (error) {
    if (!hasGrpcCode(error, ALREADY_EXISTS)) throw error;
  }
}

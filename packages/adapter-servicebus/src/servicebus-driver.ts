import { ConfigError, UnsupportedFeatureError } from '@polyqueue/core';
import type {
  BackgroundErrorSink,
  Capabilities,
  Clock,
  DeadLetterStore,
  Driver,
  ErrorCode,
  OutgoingMessage,
  QueueStats,
  QueueTopology,
  Receiver,
  ReceiverOptions,
  SendOutcome,
} from '@polyqueue/core/driver';
import { BackgroundErrors, LinkedSet, systemClock, UNKNOWN_STATS } from '@polyqueue/core/driver';
import type { BusClient, BusReceiver, BusSessionReceiver } from './bus/bus-client.js';
import { firstSendIdentity, toServiceBusMessage } from './message-codec.js';
import { MAX_LOCK_MS, MIN_LOCK_MS, provisionQueue } from './provisioning.js';
import type { QueueContext } from './queue-context.js';
import { SentDedupIds } from './sent-dedup-ids.js';
import { ServiceBusDeadLetterStore } from './servicebus-dead-letters.js';
import type { DeliveryContext, ServiceBusDelivery } from './servicebus-delivery.js';
import { serviceBusErrorCode } from './servicebus-errors.js';
import { ServiceBusQueueReceiver } from './servicebus-receiver.js';
import { ServiceBusSessionQueueReceiver } from './session/session-queue-receiver.js';
import { nativeMessageLimit, type ServiceBusSettings } from './settings.js';

const OK: SendOutcome = Object.freeze({ ok: true });

/** The Service Bus driver: the mechanism over the narrow `BusClient` interface, and nothing else. */
export class ServiceBusDriver implements Driver {
  readonly name = 'servicebus';
  readonly capabilities: Capabilities;
  /** Set only with an injected BusClient that keeps other time (the tests' fake on a virtual clock). */
  readonly clock?: Clock;
  readonly #bus: BusClient;
  readonly #settings: ServiceBusSettings;
  /** A LinkedSet, not a Set: one that churns a delivery per job drags them all into the old generation. */
  readonly #unsettled = new LinkedSet<ServiceBusDelivery>();
  readonly #receivers = new Set<BusReceiver | BusSessionReceiver>();
  readonly #sessionReceivers = new Set<ServiceBusSessionQueueReceiver>();
  #state: 'open' | 'closed' = 'open';
  /** Where errors of work nobody awaits go: core's sink once handed over, stderr before that. */
  readonly #errors = new BackgroundErrors();
  /** With duplicate detection: the dedupIds this connection sent, to answer a repeat with the kept id. */
  readonly #sentDedupIds: SentDedupIds | undefined;

  constructor(bus: BusClient, settings: ServiceBusSettings, clock?: Clock) {
    this.#bus = bus;
    this.#settings = settings;
    if (clock) this.clock = clock;
    if (settings.dedupWindowMs !== undefined) this.#sentDedupIds = new SentDedupIds(settings.dedupWindowMs);
    this.capabilities = {
      maxMessageBytes: settings.maxMessageBytes,
      // Batches are split by bytes into native batches anyway; this bounds one send call.
      maxBatchSize: 100,
      maxNativeDelayMs: Number.POSITIVE_INFINITY,
      lease: { expires: true, extendable: true, minMs: MIN_LOCK_MS, maxMs: MAX_LOCK_MS },
      ordering: settings.sessions,
      dedup: settings.dedupWindowMs === undefined ? false : { windowMs: settings.dedupWindowMs },
      nativeDeadLetter: true,
      // The administration API counts active messages (locked or not: neither ready nor in flight
      // alone can be told), scheduled and dead-lettered ones. Without it, nothing.
      stats: bus.admin === undefined ? [] : ['delayed', 'deadLettered'],
      listQueues: bus.admin !== undefined,
      // Scheduled messages are enqueued by the service's clock, which may differ from this one.
      timing: { granularityMs: 1_000, toleranceMs: 2_000 },
    };
  }

  /**
   * Logical queue name to Service Bus queue name: `<queue_prefix><queue>`. Service Bus accepts
   * `.`, `_` and `-` alike and keeps dead letters in a sub-queue no logical name can reach, so the
   * mapping is one-to-one except for case: entity names are case-insensitive, so `Orders` and
   * `orders` would be one queue. Logical names with capitals are refused for that reason.
   */
  nativeName(queue: string): string {
    if (/[A-Z]/.test(queue)) {
      throw new ConfigError(
        `Queue name "${queue}" has capital letters. Service Bus names are case-insensitive, so "${queue}" and ` +
          `"${queue.toLowerCase()}" would be one queue sharing jobs and dead letters: use lower case on servicebus://.`,
      );
    }
    return `${this.#settings.queuePrefix}${queue}`;
  }

  reportErrorsTo(sink: BackgroundErrorSink): void {
    this.#errors.attach(sink);
  }

  async provision(queue: QueueTopology): Promise<void> {
    const admin = this.#bus.admin;
    if (!admin) {
      throw new ConfigError(
        'servicebus: this connection has no administration client, so it cannot create queues. Pass `admin` ' +
          '(a ServiceBusAdministrationClient) with your ServiceBusClient, or connect with { provision: false }.',
      );
    }
    await provisionQueue(admin, this.nativeName(queue.name), queue, this.#settings);
  }

  async send(queue: QueueTopology, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    const now = this.#now();
    const native = messages.map((message) => {
      const sbMessage = toServiceBusMessage(message, firstSendIdentity(message, this.#settings.sessions));
      const notBefore = message.meta.notBefore;
      if (notBefore !== undefined && notBefore > now) sbMessage.scheduledEnqueueTimeUtc = new Date(notBefore);
      return sbMessage;
    });
    const nativeName = this.nativeName(queue.name);
    await this.#bus.sender(nativeName).sendMessages(native);
    const sent = this.#sentDedupIds;
    if (sent === undefined) return messages.map(() => OK);
    // Service Bus accepted every message, duplicates silently dropped: a repeat of a dedupId this
    // connection sent (earlier, or earlier in this batch) names the job that was kept.
    return messages.map((message): SendOutcome => {
      const { dedupId, id } = message.meta;
      if (dedupId === undefined) return OK;
      const kept = sent.keptId(nativeName, dedupId, now);
      if (kept !== undefined) return kept === id ? OK : { ok: true, duplicateOf: kept };
      sent.remember(nativeName, dedupId, id, now);
      return OK;
    });
  }

  /** A session queue gets a receiver that holds sessions (one job per key at a time); others a plain one. */
  receiver(queue: QueueTopology, options: ReceiverOptions): Receiver {
    if (!this.#settings.sessions) return new ServiceBusQueueReceiver(this.#queueContext(queue));
    const receiver = new ServiceBusSessionQueueReceiver(this.#queueContext(queue), options);
    this.#sessionReceivers.add(receiver);
    return receiver;
  }

  deadLetters(queue: QueueTopology): DeadLetterStore {
    return new ServiceBusDeadLetterStore(this.#queueContext(queue), queue, (name) => this.nativeName(name));
  }

  /**
   * delayed = scheduled messages (delays and retry backoffs); deadLettered = the dead-letter
   * sub-queue. ready and inFlight stay undefined: Service Bus counts them together as "active".
   */
  async stats(queue: QueueTopology): Promise<QueueStats> {
    const admin = this.#bus.admin;
    if (admin === undefined) return UNKNOWN_STATS;
    const nativeName = this.nativeName(queue.name);
    const counts = await admin.queueCounts(nativeName);
    return {
      ready: undefined,
      delayed: counts.scheduled,
      inFlight: undefined,
      deadLettered: counts.deadLettered,
    };
  }

  /** Every queue of the prefix: Service Bus keeps dead letters in sub-queues, which are not listed. */
  async queues(): Promise<readonly string[]> {
    const admin = this.#bus.admin;
    if (admin === undefined)
      throw new UnsupportedFeatureError('listQueues', this.name, 'give an administration client');
    const prefix = this.#settings.queuePrefix;
    return (await admin.queueNames(prefix)).map((name) => name.slice(prefix.length));
  }

  errorCode(error: unknown): ErrorCode {
    return serviceBusErrorCode(error);
  }

  /** The escape hatch: the `ServiceBusClient` (or what the injected BusClient exposes). */
  native(): unknown {
    return this.#bus.native;
  }

  /**
   * Graceful: every unsettled delivery is abandoned (given back at once, not counted), and so is
   * every retry parked in a session (its place kept; its due time stays in the session state, so
   * the session's next holder waits out the rest of its backoff), then the links close.
   * Abandon: nothing is settled; locks run out as after a crash (a session's as its link drops).
   */
  async close(mode: 'graceful' | 'abandon'): Promise<void> {
    if (this.#state === 'closed') return;
    const sessionReceivers = [...this.#sessionReceivers];
    this.#sessionReceivers.clear();
    if (mode === 'graceful') {
      await Promise.allSettled([
        ...this.#unsettled.toArray().map((delivery) => delivery.release()),
        ...sessionReceivers.map((receiver) => receiver.retryParkedNow()),
      ]);
    }
    this.#state = 'closed';
    await Promise.allSettled(sessionReceivers.map((receiver) => receiver.shutdown()));
    const receivers = [...this.#receivers];
    this.#receivers.clear();
    await Promise.allSettled(receivers.map((receiver) => receiver.close()));
    await this.#bus.close();
  }

  #now(): number {
    return this.clock?.now() ?? Date.now();
  }

  #queueContext(queue: QueueTopology): QueueContext {
    const nativeName = this.nativeName(queue.name);
    const alive = () => this.#state === 'open';
    return {
      bus: this.#bus,
      nativeName,
      clock: this.clock ?? systemClock,
      alive,
      context: (receiver): DeliveryContext => ({
        receiver,
        sender: this.#bus.sender(nativeName),
        alive,
        now: () => this.#now(),
        maxNativeMessageBytes: nativeMessageLimit(this.#settings),
        settled: (delivery) => void this.#unsettled.delete(delivery),
      }),
      track: (delivery) => {
        this.#unsettled.add(delivery);
        return delivery;
      },
      opened: (receiver) => {
        this.#receivers.add(receiver);
        return receiver;
      },
      closed: (receiver) => void this.#receivers.delete(receiver),
      report: (action, error) => this.#errors.report(action, error, queue.name),
    };
  }
}

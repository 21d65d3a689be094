import { UnsupportedFeatureError } from '@polyqueue/core';
import {
  type BackgroundErrorSink,
  BackgroundErrors,
  type Capabilities,
  type DeadLetterRecord,
  type DeadLetterStore,
  type Driver,
  type ErrorCode,
  type JobMeta,
  type OutgoingMessage,
  PendingWork,
  type QueueStats,
  type QueueTopology,
  type Receiver,
  type ReceiverOptions,
  type SendOutcome,
} from '@polyqueue/core/driver';
import { amqpCapabilities, GRANULARITY_MS } from './amqp-capabilities.js';
import type { AmqpConnect, AmqpConnection } from './amqp-client.js';
import type { ConsumerChannel } from './amqp-consumer.js';
import { AmqpDeadLetterStore } from './amqp-dead-letter-store.js';
import { bounded } from './amqp-deadline.js';
import { Declarations } from './amqp-declarations.js';
import type { CopyPublisher } from './amqp-delivery.js';
import { AmqpUnavailableError, amqpErrorCode } from './amqp-errors.js';
import { ManagementApi } from './amqp-management.js';
import { publishOptions } from './amqp-message.js';
import { checkLogicalNames, checkNameLength, delayRoute, NativeNames } from './amqp-names.js';
import type { AmqpOptions } from './amqp-options.js';
import type { AmqpPublisher } from './amqp-publisher.js';
import { AmqpReceiver } from './amqp-receiver.js';
import { AmqpSession, type Link } from './amqp-session.js';
import { DeadLetterChannel } from './dead-letter-channel.js';
import type { QueueContext } from './queue-context.js';

export interface AmqpDriverOptions extends AmqpOptions {
  /** Opens a connection; called again after every loss. */
  readonly connect: AmqpConnect;
  /** The URL with credentials masked, for messages. */
  readonly redacted: string;
}

/**
 * The RabbitMQ driver. Quorum (or classic) work queues and DLQs, a shared binary TTL cascade for
 * delays and backoffs, publisher confirms with `mandatory`, and a connection that recovers on its
 * own. See README.md for the mapping.
 */
export class AmqpDriver implements Driver {
  readonly name = 'amqp';
  readonly capabilities: Capabilities;
  readonly names: NativeNames;
  readonly #options: AmqpDriverOptions;
  readonly #session: AmqpSession;
  /** Queues provisioned by this driver: redeclared on every reconnect. */
  readonly #provisioned = new Map<string, QueueTopology>();
  readonly #declarations: Declarations;
  /** Sends and copies not confirmed yet: a graceful close waits for them. */
  readonly #inFlight = new PendingWork();
  /** Consumer channels still open: a graceful close closes them (acks first) before the connection. */
  readonly #openConsumers = new Set<ConsumerChannel>();
  /** Where errors of work nobody awaits go: core's sink once handed over, stderr before that. */
  readonly #errors = new BackgroundErrors();
  #state: 'open' | 'closed' = 'open';
  readonly #copies: CopyPublisher;
  /** The management HTTP API, when `management_url` is given. */
  readonly #management: ManagementApi | undefined;

  constructor(options: AmqpDriverOptions) {
    this.#options = options;
    this.names = new NativeNames(options.queuePrefix, options.queueType);
    this.#management =
      options.managementUrl === undefined
        ? undefined
        : new ManagementApi(options.managementUrl, options.vhost, options.publishTimeoutMs);
    this.capabilities = amqpCapabilities(options);
    this.#declarations = new Declarations({
      names: this.names,
      queueType: options.queueType,
      delayLevels: options.delayLevels,
      timeoutMs: options.publishTimeoutMs,
      report: (action, error) => this.#errors.report(action, error),
    });
    this.#session = new AmqpSession(options.connect, {
      redacted: options.redacted,
      connectTimeoutMs: options.connectTimeoutMs,
      reconnectMaxMs: options.reconnectMaxMs,
      publishTimeoutMs: options.publishTimeoutMs,
      onConnect: (link) => this.#redeclare(link),
      report: (action, error) => this.#errors.report(action, error),
    });
    this.#copies = {
      publishCopy: (queue, { body, attributes, meta }, deadLetter, via) => {
        if (via === undefined) return this.#track(this.#publish(queue, body, attributes, meta, deadLetter));
        if (!via.alive) return Promise.resolve();
        return this.#track(this.#publishOn(via, queue, body, attributes, meta, deadLetter));
      },
    };
  }

  /** Connects for the first time, without retrying, so that a wrong URL or password fails fast. */
  async open(): Promise<this> {
    await this.#session.open();
    return this;
  }

  reportErrorsTo(sink: BackgroundErrorSink): void {
    this.#errors.attach(sink);
  }

  async provision(queue: QueueTopology): Promise<void> {
    this.#assertOpen();
    checkLogicalNames(queue);
    checkNameLength(this.names.queue(queue.name));
    checkNameLength(this.names.queue(queue.deadLetterName));
    const link = await this.#session.link();
    await this.#declarations.declare(link, queue);
    this.#provisioned.set(queue.name, queue);
  }

  async send(queue: QueueTopology, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    this.#assertOpen();
    checkLogicalNames(queue);
    const native = this.names.queue(queue.name);
    // No connection: the whole call fails, once, with a retryable error.
    const link = await this.#session.link();
    await bounded(
      link.publisher.writable(),
      this.#options.publishTimeoutMs,
      "amqplib's write buffer to drain",
    );
    const outcomes = Promise.all(
      messages.map((message) =>
        this.#publishOn(link, native, message.body, message.attributes, message.meta).then(
          okOutcome,
          failedOutcome,
        ),
      ),
    );
    return this.#track(outcomes);
  }

  receiver(queue: QueueTopology, options: ReceiverOptions): Receiver {
    this.#assertOpen();
    checkLogicalNames(queue);
    return new AmqpReceiver(this.#queueContext(queue), {
      countsDeliveries: this.#options.queueType === 'quorum',
      granularityMs: GRANULARITY_MS,
      maxUnsettled: options.maxUnsettled,
      openConsumers: this.#openConsumers,
      beforeConsume: async () => this.#assertOpen(),
    });
  }

  deadLetters(queue: QueueTopology): DeadLetterStore {
    this.#assertOpen();
    checkLogicalNames(queue);
    return new AmqpDeadLetterStore(this.#queueContext(queue));
  }

  /**
   * ready and deadLettered: the message counts of passive declares (queue.declare-ok counts ready
   * messages, not unacknowledged ones). inFlight: `messages_unacknowledged` of the management API
   * when `management_url` is given. delayed: undefined, see the README.
   */
  async stats(queue: QueueTopology): Promise<QueueStats> {
    checkLogicalNames(queue);
    const context = this.#queueContext(queue);
    const { work, deadLetter } = context.targets;
    const [ready, deadLettered, managed] = await Promise.all([
      this.#readyCount(context, work),
      this.#readyCount(context, deadLetter),
      this.#management?.queue(work),
    ]);
    return { ready, delayed: undefined, inFlight: managed?.messagesUnacknowledged, deadLettered };
  }

  /** The work queues of the prefix: those bound to the cascade's deliver exchange (a DLQ is not). */
  async queues(): Promise<readonly string[]> {
    if (this.#management === undefined)
      throw new UnsupportedFeatureError('listQueues', this.name, 'give the management_url parameter');
    const bound = await this.#management.queuesBoundTo(this.names.deliver);
    return bound.flatMap((native) => this.names.logical(native) ?? []);
  }

  #readyCount(context: QueueContext, nativeQueue: string): Promise<number> {
    return DeadLetterChannel.using(context, async ({ channel }) => {
      const checking = channel.checkQueue(nativeQueue);
      return (await bounded(checking, context.timeoutMs, 'queue.declare (passive)')).messageCount;
    });
  }

  errorCode(error: unknown): ErrorCode {
    return amqpErrorCode(error);
  }

  /** The escape hatch: the live amqplib ChannelModel, or undefined while reconnecting. */
  native(): AmqpConnection | undefined {
    return this.#session.current?.connection;
  }

  async close(mode: 'graceful' | 'abandon'): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (mode === 'graceful') {
      await this.#inFlight.idle();
      // Each consumer channel sends its queued acks and waits for its CloseOk, which RabbitMQ
      // sends only after it has handled them. Closing the connection right away would let
      // Connection.Close overtake acks still in amqplib's per-channel buffers: RabbitMQ would then
      // requeue jobs that completed. A failed close is reported by the channel itself.
      await Promise.allSettled([...this.#openConsumers].map((consumer) => consumer.close()));
    }
    await this.#session.close();
  }

  /** Publishes one job copy on the live connection (waiting for it to come back). */
  async #publish(
    nativeQueue: string,
    body: Uint8Array,
    attributes: Readonly<Record<string, string>>,
    meta: JobMeta,
    deadLetter?: DeadLetterRecord,
  ): Promise<void> {
    const link = await this.#session.link();
    await this.#publishOn(link, nativeQueue, body, attributes, meta, deadLetter);
  }

  /**
   * Straight to the queue through the default exchange when due, else into the cascade (capped
   * at one pass: the receiver sends a job that arrives before it is due round again).
   */
  #publishOn(
    link: Link,
    nativeQueue: string,
    body: Uint8Array,
    attributes: Readonly<Record<string, string>>,
    meta: JobMeta,
    deadLetter?: DeadLetterRecord,
  ): Promise<void> {
    const options = publishOptions(attributes, meta, deadLetter);
    const wait = meta.notBefore === undefined || deadLetter ? 0 : Math.ceil(meta.notBefore - Date.now());
    if (wait <= 0) return this.#publisherOf(link, (p) => p.publish('', nativeQueue, body, options));
    return this.#declarations.delayable(link, nativeQueue).then(() => {
      const route = delayRoute(this.names, Math.min(wait, this.capabilities.maxNativeDelayMs), nativeQueue);
      return this.#publisherOf(link, (p) => p.publish(route.exchange, route.routingKey, body, options));
    });
  }

  /** Publishes on the link's publisher, reopened first if RabbitMQ closed its channel. */
  #publisherOf(link: Link, publish: (publisher: AmqpPublisher) => Promise<void>): Promise<void> {
    if (link.publisher.open) return publish(link.publisher); // the hot path: no extra promise
    return this.#session.publisher(link).then(publish);
  }

  /** On every new connection: declare again what this driver provisioned (a wiped broker). */
  async #redeclare(link: Link): Promise<void> {
    for (const queue of this.#provisioned.values()) {
      // The next operation on that queue declares again, or fails with the reason.
      await this.#declarations
        .declare(link, queue)
        .catch((error: unknown) => this.#errors.report('redeclare', error, queue.name));
    }
  }

  #queueContext(queue: QueueTopology): QueueContext {
    return {
      name: queue.name,
      session: this.#session,
      copies: this.#copies,
      targets: { work: this.names.queue(queue.name), deadLetter: this.names.queue(queue.deadLetterName) },
      sourceQueue: (logical) => this.names.queue(logical || queue.name),
      timeoutMs: this.#options.publishTimeoutMs,
      report: (action, error) => this.#errors.report(action, error, queue.name),
    };
  }

  #track<T>(work: Promise<T>): Promise<T> {
    return this.#inFlight.track(work);
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new AmqpUnavailableError('the connection is closed');
  }
}

const OK: SendOutcome = Object.freeze({ ok: true });
const okOutcome = (): SendOutcome => OK;
const failedOutcome = (error: unknown): SendOutcome => ({ ok: false, error });

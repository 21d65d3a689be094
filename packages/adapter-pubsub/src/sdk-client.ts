import { type CallOptions, type PubSub, type Topic, v1 } from '@google-cloud/pubsub';
import type {
  OutgoingPubSubMessage,
  PubSubApi,
  PulledMessage,
  SubscriptionSettings,
} from './pubsub-client.js';

/** Most ack ids per acknowledge / modifyAckDeadline request. */
const MAX_IDS_PER_REQUEST = 1_000;

/**
 * Publisher batching: up to Pub/Sub's 1,000 messages per request, waiting at most 2 ms to fill a
 * batch (the SDK's default of 10 ms would add to every retry and delay hop).
 */
const BATCHING = { maxMessages: 1_000, maxMilliseconds: 2 } as const;

/**
 * The real SDK behind the narrow interface: the high-level `PubSub` client for administration and
 * publishing (its batching, and `resumePublishing` for ordering keys), and the generated
 * `v1.SubscriberClient` for unary pull, acknowledge and modifyAckDeadline, so that the driver, not
 * the SDK's lease manager, decides how long each message is held and how many are held at once.
 */
export class SdkPubSubApi implements PubSubApi {
  readonly native: PubSub;
  readonly #ownsClient: boolean;
  /**
   * Bound of each administrative call, the SDK's retries included (its own default retries an
   * unreachable endpoint for 60 s). Pulls, acks and publishes keep the SDK's settings.
   */
  readonly #admin: CallOptions;
  readonly #topics = new Map<string, Topic>();
  #subscriber: Promise<v1.SubscriberClient> | undefined;
  #closed = false;

  constructor(pubsub: PubSub, options: { ownsClient: boolean; apiTimeoutMs: number }) {
    this.native = pubsub;
    this.#ownsClient = options.ownsClient;
    this.#admin = { timeout: options.apiTimeoutMs };
  }

  get projectId(): string {
    return this.native.projectId;
  }

  get isEmulator(): boolean {
    return this.native.isEmulator;
  }

  topicPath(topic: string): string {
    return `projects/${this.native.projectId}/topics/${topic}`;
  }

  subscriptionPath(subscription: string): string {
    return `projects/${this.native.projectId}/subscriptions/${subscription}`;
  }

  async createTopic(topic: string): Promise<void> {
    await this.native.createTopic(topic, this.#admin);
  }

  async createSubscription(
    subscription: string,
    topic: string,
    settings: SubscriptionSettings,
  ): Promise<void> {
    await this.native.topic(topic).createSubscription(subscription, {
      ackDeadlineSeconds: settings.ackDeadlineSeconds,
      // A job queue must not disappear after 31 days without consumers (the default policy).
      expirationPolicy: {},
      ...(settings.enableMessageOrdering ? { enableMessageOrdering: true } : {}),
      ...(settings.deadLetterPolicy ? { deadLetterPolicy: settings.deadLetterPolicy } : {}),
      gaxOpts: this.#admin,
    });
  }

  async getAckDeadlineSeconds(subscription: string): Promise<number> {
    const [metadata] = await this.native.subscription(subscription).getMetadata(this.#admin);
    return Number(metadata.ackDeadlineSeconds ?? 10);
  }

  async deleteSubscription(subscription: string): Promise<void> {
    await this.native.subscription(subscription).delete(this.#admin);
  }

  async topicNames(prefix: string): Promise<string[]> {
    // The SDK follows the pages itself (autoPaginate), 1,000 topics a request.
    const [topics] = await this.native.getTopics({ pageSize: 1_000, gaxOpts: this.#admin });
    return topics
      .map((topic) => topic.name.slice(topic.name.lastIndexOf('/') + 1))
      .filter((name) => name.startsWith(prefix));
  }

  async checkConnection(): Promise<void> {
    // One page of one topic, one attempt: a retry would turn "unreachable" into a deadline.
    await this.native.getTopics({
      pageSize: 1,
      autoPaginate: false,
      gaxOpts: { ...this.#admin, retry: null },
    });
  }

  async deleteTopic(topic: string): Promise<void> {
    await this.native.topic(topic).delete(this.#admin);
  }

  publish(
    topic: string,
    messages: readonly OutgoingPubSubMessage[],
  ): Promise<readonly ({ ok: true; id: string } | { ok: false; error: unknown })[]> {
    const native = this.#topic(topic);
    const outcomes: ({ ok: true; id: string } | { ok: false; error: unknown })[] = new Array(messages.length);
    if (messages.length === 0) return Promise.resolve(outcomes);
    // The SDK's callback form, one callback per message and one promise per call: its promise
    // form made a promise and a wrapper per message, and collecting them with allSettled a result
    // object and two functions more, the largest allocation of a Pub/Sub send after the message.
    return new Promise((resolve) => {
      let left = messages.length;
      const settle = (i: number, outcome: (typeof outcomes)[number]) => {
        if (!outcome.ok) {
          // After a failed ordered publish the SDK refuses that key until told to resume.
          const { orderingKey } = messages[i]!;
          if (orderingKey !== undefined) native.resumePublishing(orderingKey);
        }
        outcomes[i] = outcome;
        if (--left === 0) resolve(outcomes);
      };
      // Settlements first: the SDK takes about 8 µs of CPU per message here, and a worker's room
      // comes back only when its acks are answered. Run at once, a large publish made in the same
      // turn as a batch of settlements (a producer woken by those jobs, a handler fanning out) held
      // their acks back until it was done: on pstest, 10 ms before every ack request that followed
      // a 1,000-job send. Not on the next tick: an ack request is made a few promise jobs after its
      // batch is flushed (acknowledge awaits the client), and promise jobs wait for the whole tick
      // queue, this publish included. setImmediate runs it once the event loop has done everything
      // this turn scheduled, the requests it makes included.
      setImmediate(() => {
        for (let i = 0; i < messages.length; i++) {
          try {
            native.publishMessage(nativeMessage(messages[i]!), (error, id) =>
              settle(i, error ? { ok: false, error } : { ok: true, id: id ?? '' }),
            );
          } catch (error) {
            // Refused before it was queued (the SDK checks data and attribute types): this one alone.
            settle(i, { ok: false, error });
          }
        }
      });
    });
  }

  async pull(
    subscription: string,
    max: number,
    options: { wait: boolean; signal: AbortSignal },
  ): Promise<PulledMessage[]> {
    if (options.signal.aborted) return [];
    const client = await this.#subscriberClient();
    const call = client.pull({
      subscription: this.subscriptionPath(subscription),
      maxMessages: max,
      // Deprecated for production use, where the call long-polls; an emulator is polled instead.
      returnImmediately: !options.wait,
    }) as Promise<[{ receivedMessages?: unknown[] | null }, ...unknown[]]> & { cancel?: () => void };
    const onAbort = () => call.cancel?.();
    options.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const [response] = await call;
      return (response.receivedMessages ?? []).map(toPulled);
    } catch (error) {
      if (options.signal.aborted) return [];
      throw error;
    } finally {
      options.signal.removeEventListener('abort', onAbort);
    }
  }

  async acknowledge(subscription: string, ackIds: readonly string[]): Promise<void> {
    const client = await this.#subscriberClient();
    const path = this.subscriptionPath(subscription);
    for (let i = 0; i < ackIds.length; i += MAX_IDS_PER_REQUEST) {
      await client.acknowledge({ subscription: path, ackIds: ackIds.slice(i, i + MAX_IDS_PER_REQUEST) });
    }
  }

  async modifyAckDeadline(subscription: string, ackIds: readonly string[], seconds: number): Promise<void> {
    const client = await this.#subscriberClient();
    const path = this.subscriptionPath(subscription);
    for (let i = 0; i < ackIds.length; i += MAX_IDS_PER_REQUEST) {
      await client.modifyAckDeadline({
        subscription: path,
        ackIds: ackIds.slice(i, i + MAX_IDS_PER_REQUEST),
        ackDeadlineSeconds: seconds,
      });
    }
  }

  /** Flushes pending publishes, then closes what this object opened. */
  async close(options: { flush: boolean } = { flush: true }): Promise<void> {
    // Publishes handed to the SDK by setImmediate (see publish) are queued before the flush:
    // immediates run in order, so this one comes after theirs.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (options.flush) await Promise.all([...this.#topics.values()].map((topic) => topic.flush()));
    this.#closed = true;
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (subscriber) await (await subscriber).close();
    if (this.#ownsClient) await this.native.close();
  }

  #topic(name: string): Topic {
    let topic = this.#topics.get(name);
    if (topic === undefined) {
      topic = this.native.topic(name, { messageOrdering: true, batching: BATCHING });
      this.#topics.set(name, topic);
    }
    return topic;
  }

  #subscriberClient(): Promise<v1.SubscriberClient> {
    // UNAVAILABLE, as a closed gRPC channel reports it: never reopen behind a closed driver.
    if (this.#closed)
      return Promise.reject(Object.assign(new Error('the Pub/Sub client is closed'), { code: 14 }));
    // getClientConfig() carries the user's credentials, project and emulator settings.
    this.#subscriber ??= this.native
      .getClientConfig()
      .then(
        (config) => new v1.SubscriberClient(config as ConstructorParameters<typeof v1.SubscriberClient>[0]),
      );
    return this.#subscriber;
  }
}

interface RawReceived {
  ackId?: string | null;
  deliveryAttempt?: number | null;
  message?: {
    messageId?: string | null;
    data?: Uint8Array | string | null;
    attributes?: Record<string, string> | null;
    orderingKey?: string | null;
    publishTime?: { seconds?: number | string | { toString(): string } | null; nanos?: number | null } | null;
  } | null;
}

function toPulled(raw: unknown): PulledMessage {
  const received = raw as RawReceived;
  const message = received.message ?? {};
  const data = message.data ?? new Uint8Array(0);
  const seconds = Number(String(message.publishTime?.seconds ?? 0));
  const nanos = message.publishTime?.nanos ?? 0;
  const pulled: { -readonly [K in keyof PulledMessage]: PulledMessage[K] } = {
    ackId: received.ackId ?? '',
    deliveryAttempt: received.deliveryAttempt ?? 0,
    messageId: message.messageId ?? '',
    data: typeof data === 'string' ? Buffer.from(data, 'base64') : data,
    attributes: message.attributes ?? {},
    publishTime: seconds * 1_000 + Math.floor(nanos / 1_000_000),
  };
  // Set, not spread in: a conditional spread was an empty object and a copy per pulled message.
  if (message.orderingKey) pulled.orderingKey = message.orderingKey;
  return pulled;
}

/** What `Topic.publishMessage` takes. */
type MessageOptions = Parameters<Topic['publishMessage']>[0];

function nativeMessage(message: OutgoingPubSubMessage): MessageOptions {
  // The SDK copies the options it is given (Topic.publishMessage): a message whose data is already
  // a Buffer (the serializer's always is) is handed over as it is, not rebuilt per job.
  if (Buffer.isBuffer(message.data)) return message as MessageOptions;
  const data = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
  const attributes = message.attributes as Record<string, string>;
  const { orderingKey } = message;
  return orderingKey === undefined ? { data, attributes } : { data, attributes, orderingKey };
}

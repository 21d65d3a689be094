import type { PubSub } from '@google-cloud/pubsub';
import type {
  OutgoingPubSubMessage,
  PubSubApi,
  PulledMessage,
  SubscriptionSettings,
} from '../src/pubsub-client.js';

/** A gRPC-like error, as the SDK rejects with. */
export function grpcError(code: number, message: string): Error {
  return Object.assign(new Error(`${code} ${message}`), { code });
}

/** Pub/Sub's documented limits on one published message (quotas page). */
export const FAKE_LIMITS = { messageBytes: 10_000_000, attributeValueBytes: 1_024, attributeNameBytes: 256 };

/** Why Pub/Sub would refuse the message (INVALID_ARGUMENT), or undefined. */
function limitBroken(message: OutgoingPubSubMessage): string | undefined {
  let size = message.data.byteLength;
  for (const [name, value] of Object.entries(message.attributes)) {
    if (Buffer.byteLength(name) > FAKE_LIMITS.attributeNameBytes) return `attribute name too long: ${name}`;
    if (Buffer.byteLength(value) > FAKE_LIMITS.attributeValueBytes)
      return `attribute value too long: ${name}`;
    size += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return size > FAKE_LIMITS.messageBytes ? `message of ${size} bytes is over the 10 MB limit` : undefined;
}

interface FakeMessage {
  readonly message: PulledMessage;
  /** Epoch ms until which it is out; 0 when available. */
  outUntil: number;
}

/**
 * An in-process stand-in for the narrow Pub/Sub interface, for unit tests of the mapping: topics
 * fan out to their subscriptions, pulls lease messages, and every call is recorded in `calls` so
 * that tests can check what was published, acknowledged or nacked, and in what order.
 */
export class FakePubSubApi implements PubSubApi {
  readonly projectId = 'fake';
  readonly isEmulator = true;
  readonly native = {} as PubSub;
  readonly topics = new Set<string>();
  readonly subscriptions = new Map<
    string,
    { topic: string; settings: SubscriptionSettings; messages: Map<string, FakeMessage> }
  >();
  readonly calls: string[] = [];
  /** Set to make publishes to a topic fail. */
  readonly failPublishTo = new Set<string>();
  /** Every pull asked for: which subscription, at most how many. */
  readonly pulls: { readonly subscription: string; readonly max: number }[] = [];
  /** The largest sum of the sizes of pulls in flight at once. */
  peakPullsInFlight = 0;
  /**
   * Set to hold pulls, as a long poll does: a pull waits for the promise this returns (or for its
   * signal) before it takes messages.
   */
  pullGate: ((subscription: string) => Promise<void>) | undefined;
  #pullsInFlight = 0;
  #nextId = 1;

  topicPath(topic: string): string {
    return `projects/fake/topics/${topic}`;
  }

  subscriptionPath(subscription: string): string {
    return `projects/fake/subscriptions/${subscription}`;
  }

  async topicNames(prefix: string): Promise<string[]> {
    return [...this.topics].filter((topic) => topic.startsWith(prefix));
  }

  async createTopic(topic: string): Promise<void> {
    this.calls.push(`createTopic ${topic}`);
    if (this.topics.has(topic)) throw grpcError(6, 'ALREADY_EXISTS');
    this.topics.add(topic);
  }

  async createSubscription(
    subscription: string,
    topic: string,
    settings: SubscriptionSettings,
  ): Promise<void> {
    this.calls.push(`createSubscription ${subscription}`);
    if (this.subscriptions.has(subscription)) throw grpcError(6, 'ALREADY_EXISTS');
    if (!this.topics.has(topic)) throw grpcError(5, 'NOT_FOUND');
    this.subscriptions.set(subscription, { topic, settings, messages: new Map() });
  }

  async getAckDeadlineSeconds(subscription: string): Promise<number> {
    return this.#subscription(subscription).settings.ackDeadlineSeconds;
  }

  async deleteSubscription(subscription: string): Promise<void> {
    this.subscriptions.delete(subscription);
  }

  async deleteTopic(topic: string): Promise<void> {
    this.topics.delete(topic);
  }

  async publish(topic: string, messages: readonly OutgoingPubSubMessage[]) {
    return messages.map((message) => {
      this.calls.push(`publish ${topic}`);
      if (this.failPublishTo.has(topic)) return { ok: false as const, error: grpcError(14, 'UNAVAILABLE') };
      if (!this.topics.has(topic)) return { ok: false as const, error: grpcError(5, 'NOT_FOUND') };
      const refused = limitBroken(message);
      if (refused) return { ok: false as const, error: grpcError(3, refused) };
      const id = `m${this.#nextId++}`;
      for (const subscription of this.subscriptions.values()) {
        if (subscription.topic !== topic) continue;
        subscription.messages.set(id, {
          message: {
            ackId: id,
            deliveryAttempt: 0,
            messageId: id,
            data: message.data,
            attributes: { ...message.attributes },
            ...(message.orderingKey !== undefined ? { orderingKey: message.orderingKey } : {}),
            publishTime: Date.now(),
          },
          outUntil: 0,
        });
      }
      return { ok: true as const, id };
    });
  }

  async pull(subscription: string, max: number, options?: { signal: AbortSignal }): Promise<PulledMessage[]> {
    this.pulls.push({ subscription, max });
    this.#pullsInFlight += max;
    this.peakPullsInFlight = Math.max(this.peakPullsInFlight, this.#pullsInFlight);
    try {
      if (this.pullGate) {
        const signal = options?.signal;
        let onAbort = () => {};
        const aborted = new Promise<void>((resolve) => {
          onAbort = resolve;
        });
        signal?.addEventListener('abort', onAbort, { once: true });
        try {
          await Promise.race([this.pullGate(subscription), aborted]);
        } finally {
          signal?.removeEventListener('abort', onAbort);
        }
        if (signal?.aborted) return [];
      }
      return this.#take(subscription, max);
    } finally {
      this.#pullsInFlight -= max;
    }
  }

  #take(subscription: string, max: number): PulledMessage[] {
    const sub = this.#subscription(subscription);
    const now = Date.now();
    const out: PulledMessage[] = [];
    for (const entry of sub.messages.values()) {
      if (out.length >= max) break;
      if (entry.outUntil > now) continue;
      entry.outUntil = now + sub.settings.ackDeadlineSeconds * 1_000;
      out.push(entry.message);
    }
    return out;
  }

  async acknowledge(subscription: string, ackIds: readonly string[]): Promise<void> {
    this.calls.push(`ack ${subscription} ${ackIds.join(',')}`);
    const sub = this.#subscription(subscription);
    for (const id of ackIds) sub.messages.delete(id);
  }

  async modifyAckDeadline(subscription: string, ackIds: readonly string[], seconds: number): Promise<void> {
    this.calls.push(`modack ${subscription} ${ackIds.join(',')} ${seconds}`);
    const sub = this.#subscription(subscription);
    for (const id of ackIds) {
      const entry = sub.messages.get(id);
      if (entry) entry.outUntil = seconds === 0 ? 0 : Date.now() + seconds * 1_000;
    }
  }

  async close(): Promise<void> {}

  /** Messages of a subscription not out on a lease now. */
  available(subscription: string): number {
    const now = Date.now();
    return [...this.#subscription(subscription).messages.values()].filter((entry) => entry.outUntil <= now)
      .length;
  }

  /** Messages waiting on a subscription (leased or not). */
  messagesOf(subscription: string): PulledMessage[] {
    return [...this.#subscription(subscription).messages.values()].map((entry) => entry.message);
  }

  #subscription(name: string) {
    const sub = this.subscriptions.get(name);
    if (!sub) throw grpcError(5, `subscription ${name}`);
    return sub;
  }
}

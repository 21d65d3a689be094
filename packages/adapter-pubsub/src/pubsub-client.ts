import type { PubSub } from '@google-cloud/pubsub';

/** One message as the Pub/Sub API returns it from a pull. */
export interface PulledMessage {
  readonly ackId: string;
  /** 0 unless the subscription has a dead-letter policy (and always 0 on the pstest fake). */
  readonly deliveryAttempt: number;
  readonly messageId: string;
  readonly data: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly orderingKey?: string;
  /** Epoch ms. */
  readonly publishTime: number;
}

export interface OutgoingPubSubMessage {
  readonly data: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly orderingKey?: string;
}

export interface SubscriptionSettings {
  readonly ackDeadlineSeconds: number;
  readonly enableMessageOrdering?: boolean;
  /** Full topic name and attempts: the native crash-loop safety net. */
  readonly deadLetterPolicy?: { readonly deadLetterTopic: string; readonly maxDeliveryAttempts: number };
}

/**
 * The handful of Pub/Sub calls the driver makes: the seam between the driver and the SDK, so that
 * unit tests run the driver against an in-process fake. Names are short (`emails`, not
 * `projects/p/topics/emails`); implementations qualify them.
 *
 * Contract: every method rejects with the native error (a gRPC status with a numeric `code`) and
 * never retries on its own beyond what the SDK does for transient errors.
 */
export interface PubSubApi {
  readonly projectId: string;
  /** True against an emulator: pulls then poll instead of long-polling. */
  readonly isEmulator: boolean;
  topicPath(topic: string): string;
  subscriptionPath(subscription: string): string;
  /** Rejects with ALREADY_EXISTS (6) when the topic exists. */
  createTopic(topic: string): Promise<void>;
  /** Rejects with ALREADY_EXISTS (6) when the subscription exists. */
  createSubscription(subscription: string, topic: string, settings: SubscriptionSettings): Promise<void>;
  /** Rejects with NOT_FOUND (5) when the subscription does not exist. */
  getAckDeadlineSeconds(subscription: string): Promise<number>;
  deleteSubscription(subscription: string): Promise<void>;
  deleteTopic(topic: string): Promise<void>;
  /** One bounded round trip (a page of one topic): the endpoint answers and takes the credentials. */
  checkConnection?(): Promise<void>;
  /** The short names of the project's topics that start with `prefix`, read page by page. */
  topicNames(prefix: string): Promise<string[]>;
  /**
   * Publishes each message and resolves with one outcome per message, in order. Messages with an
   * ordering key are published in order for that key.
   */
  publish(
    topic: string,
    messages: readonly OutgoingPubSubMessage[],
  ): Promise<readonly ({ ok: true; id: string } | { ok: false; error: unknown })[]>;
  /**
   * At most `max` messages. `wait`: long-poll (the server may hold the call until messages come);
   * otherwise return at once, possibly with none. Resolves with [] when `signal` aborts.
   */
  pull(
    subscription: string,
    max: number,
    options: { wait: boolean; signal: AbortSignal },
  ): Promise<PulledMessage[]>;
  acknowledge(subscription: string, ackIds: readonly string[]): Promise<void>;
  /** 0 seconds is a nack: the messages are deliverable again at once. */
  modifyAckDeadline(subscription: string, ackIds: readonly string[], seconds: number): Promise<void>;
  /**
   * `flush`: wait for pending publishes first. Closes what this object opened, never the user's
   * own PubSub client.
   */
  close(options: { flush: boolean }): Promise<void>;
  /** The native client: the escape hatch. */
  readonly native: PubSub;
}

import {
  type BackgroundErrors,
  type Clock,
  Forwarder,
  type ForwarderSource,
  Header,
  type QueueService,
  type SendOutcome,
} from '@polyqueue/core/driver';
import type { PubSubApi, PulledMessage } from './pubsub-client.js';
import { SubscriptionSettler } from './subscription-settler.js';
import { dueAt } from './wire.js';

/** Messages due within this are held in memory until due; later ones are parked on the broker. */
export const HOLD_WINDOW_MS = 30_000;
/** Held messages keep this much ack deadline beyond their due time, against a late timer. */
const HOLD_SLACK_S = 10;
/** Pub/Sub's longest ack deadline. */
const MAX_DEADLINE_S = 600;
const PULL_BATCH = 100;
/** On an emulator, the delay path is polled every 4 poll intervals (100 ms by default). */
const IDLE_POLL_FACTOR = 4;

export interface DelayForwarderOptions {
  readonly api: PubSubApi;
  readonly clock: Clock;
  readonly errors: BackgroundErrors;
  /** The logical queue, for reports. */
  readonly queue: string;
  /** Subscription (and topic) of the delay path. */
  readonly delay: string;
  /** Topic due messages are published to: the queue's ready topic, never its work topic. */
  readonly target: string;
  /** Long-poll (real Pub/Sub), or poll every `pollIntervalMs` (an emulator). */
  readonly wait: boolean;
  readonly pollIntervalMs: number;
}

/**
 * The delay path of one queue on the kit's {@link Forwarder}: Pub/Sub has no delayed delivery, so
 * delayed jobs and retry backoffs are published to `<queue>.delay` with a `pq-not-before`
 * attribute, and the forwarder moves each one to the queue's ready topic `<queue>.ready` when it
 * is due (never to the queue's own topic, whose other subscriptions would then see it again).
 *
 * - A message due within {@link HOLD_WINDOW_MS} is held in memory (`protect`: its ack deadline is
 *   pushed past its due time) and forwarded by a timer.
 * - A later one is parked on the broker (`holdBack`): its ack deadline is set to bring it back
 *   half a window before it is due (at most 600 s at a time), so long delays cost no memory.
 * - When due: publish to the ready topic, then ack. A forwarder that dies in between loses
 *   nothing: the delay message comes back after its ack deadline and is forwarded again.
 *
 * Several forwarders (one per consuming process) share the delay subscription safely: Pub/Sub hands
 * each message to one of them at a time.
 */
export function delayForwarder(options: DelayForwarderOptions): QueueService {
  const path = new DelayPath(options);
  const forwarder = new Forwarder(path, {
    clock: options.clock,
    errors: options.errors,
    queue: options.queue,
    pullSize: PULL_BATCH,
    holdInMemoryBelowMs: HOLD_WINDOW_MS,
    // A long poll waits by itself; an emulator answers at once and is polled, as an idle worker
    // subscription at its slowest (the delay path is idle most of the time; a job due sooner than
    // this after it was sent is forwarded that much late, within the declared timing tolerance).
    idleMs: options.wait ? 0 : options.pollIntervalMs * IDLE_POLL_FACTOR,
  });
  return {
    start: () => forwarder.start(),
    stop: (mode) => forwarder.stop(mode),
  };
}

/** Pub/Sub's side of a delay path: what the kit's forwarder cannot know. */
export class DelayPath implements ForwarderSource<PulledMessage> {
  readonly #options: DelayForwarderOptions;
  readonly #settle: SubscriptionSettler;

  constructor(options: DelayForwarderOptions) {
    this.#options = options;
    this.#settle = new SubscriptionSettler(options.api, options.delay);
  }

  pull(max: number, signal: AbortSignal): Promise<readonly PulledMessage[]> {
    const { api, delay, wait } = this.#options;
    return api.pull(delay, max, { wait, signal });
  }

  dueAt(message: PulledMessage): number {
    return dueAt(message.attributes);
  }

  key(message: PulledMessage): string {
    return message.messageId;
  }

  /** Parked: comes back half a hold window before it is due, and is held from then on. */
  holdBack(message: PulledMessage, remainingMs: number): Promise<void> {
    const seconds = Math.min(MAX_DEADLINE_S, Math.floor((remainingMs - HOLD_WINDOW_MS / 2) / 1_000));
    return this.#settle.modifyAckDeadline(message.ackId, seconds);
  }

  /** Held in memory: its ack deadline outlasts its due time, so no other forwarder takes it meanwhile. */
  protect(message: PulledMessage, remainingMs: number): Promise<void> {
    const seconds = Math.min(MAX_DEADLINE_S, Math.ceil(remainingMs / 1_000) + HOLD_SLACK_S);
    return this.#settle.modifyAckDeadline(message.ackId, seconds);
  }

  async publish(messages: readonly PulledMessage[]): Promise<readonly SendOutcome[]> {
    const results = await this.#options.api.publish(
      this.#options.target,
      messages.map((message) => {
        const { [Header.notBefore]: _due, ...attributes } = message.attributes;
        const orderingKey = attributes[Header.orderingKey];
        return { data: message.data, attributes, ...(orderingKey !== undefined ? { orderingKey } : {}) };
      }),
    );
    return results.map((result) => (result.ok ? OK : { ok: false, error: result.error }));
  }

  ack(messages: readonly PulledMessage[]): Promise<void> {
    return this.#settle.ackAll(messages.map((message) => message.ackId));
  }

  /**
   * modifyAckDeadline 0, for a stop and a failed publish alike: each pull is a new request, so the
   * kit's backoff of pulls while publishes fail already keeps a broken ready topic from being
   * retried at the speed of a pull; another forwarder may take the message at once.
   */
  handBack(messages: readonly PulledMessage[]): Promise<void> {
    return this.#settle.modifyAllAckDeadlines(
      messages.map((message) => message.ackId),
      0,
    );
  }
}

const OK: SendOutcome = Object.freeze({ ok: true });

import {
  completeMeta,
  type DeadLetterRecord,
  type Delivery,
  type JobMeta,
  SettleOnce,
} from '@polyqueue/core/driver';
import type { PulledMessage } from './pubsub-client.js';
import type { PullSource } from './pull-source.js';
import type { QueueContext, Unsettled } from './queue-context.js';
import { fromAttributes } from './wire.js';

/**
 * One pulled message of a queue's work or ready subscription, settled on the one it came from.
 * - ack: acknowledge.
 * - retry: publish a copy carrying the attempt count to the ready topic (to the delay path when
 *   there is a backoff), then acknowledge: Pub/Sub has no per-message redelivery delay.
 * - deadLetter: publish to the dead-letter topic with the error metadata, then acknowledge.
 * - release: modifyAckDeadline 0 (a nack), deliverable again at once.
 * - extendLease: modifyAckDeadline to the lease, in whole seconds.
 * Settlements after the first, or after the connection closed, do nothing: the broker redelivers.
 */
export class PullDelivery implements Delivery, Unsettled {
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly meta: Partial<JobMeta> & { readonly id: string };
  readonly deliveryCount: number;
  /** The pulled message: ackId, messageId, data, attributes, publishTime, deliveryAttempt. */
  readonly native: PulledMessage;
  readonly #queue: QueueContext;
  readonly #source: PullSource;
  readonly #onSettle: (() => void) | undefined;
  /** A second settlement, or one after the connection closed, is a no-op. */
  readonly #once = new SettleOnce(() => this.#queue.alive);
  /** The links of the driver's set of unsettled deliveries (`QueueContext.track`). */
  linkedIn: object | undefined = undefined;
  linkPrev: Unsettled | undefined = undefined;
  linkNext: Unsettled | undefined = undefined;

  /** `onSettle`: called once, when the first settlement is called (the receiver's room is freed). */
  constructor(
    queue: QueueContext,
    source: PullSource,
    message: PulledMessage,
    deliveryCount: number,
    onSettle?: () => void,
  ) {
    this.#onSettle = onSettle;
    const decoded = fromAttributes(message.attributes);
    this.body = message.data;
    this.attributes = decoded.attributes;
    // decodeHeaders built this meta for this delivery alone: a foreign message (no pq-id) gets the
    // broker's message id set on it, rather than a copy of the meta per job.
    const meta = decoded.meta as { id?: string };
    meta.id ??= message.messageId;
    this.meta = meta as Partial<JobMeta> & { readonly id: string };
    this.deliveryCount = deliveryCount;
    this.native = message;
    this.#queue = queue;
    this.#source = source;
  }

  // Not async, unlike the rare settlements below: an async frame and an await per job showed as
  // the second largest allocation of a worker's job. The settler's promise is returned as is;
  // a settlement that does nothing returns nothing to wait for (see Delivery.ack).
  ack(): Promise<void> | undefined {
    if (!this.#take()) return undefined;
    return this.#source.ack(this.native);
  }

  async retry(delayMs: number, attempt: number): Promise<void> {
    if (!this.#take()) return;
    const meta = this.#fullMeta(attempt);
    const notBefore = delayMs > 0 ? Date.now() + delayMs : undefined;
    await this.#queue.publishCopy(
      this.body,
      this.attributes,
      notBefore === undefined ? meta : { ...meta, notBefore },
    );
    await this.#source.ack(this.native);
  }

  async deadLetter(record: DeadLetterRecord): Promise<void> {
    if (!this.#take()) return;
    await this.#queue.publishDeadLetter(
      this.body,
      this.attributes,
      this.#fullMeta(this.meta.attemptOffset ?? 0),
      record,
    );
    await this.#source.ack(this.native);
  }

  async release(): Promise<void> {
    if (!this.#take()) return;
    await this.#source.release(this.native);
  }

  async extendLease(leaseMs: number): Promise<void> {
    if (!this.#once.open) return;
    await this.#source.extend(this.native, leaseMs);
  }

  /** True for the first settlement on a live connection; it then owns the message. */
  #take(): boolean {
    if (!this.#once.claim()) return false;
    this.#queue.forget(this);
    this.#onSettle?.();
    return true;
  }

  /**
   * What the message carried, completed for a foreign one (first sent when it was published),
   * without the due time it was delayed to: a copy is due when its own delay says.
   */
  #fullMeta(attemptOffset: number): JobMeta {
    const { notBefore: _, ...meta } = completeMeta(this.meta, this.native.publishTime);
    return { ...meta, attemptOffset };
  }
}

import type { DeadLetterRecord, Delivery, JobMeta } from '@polyqueue/core/driver';
import type { AmqpMessage } from './amqp-client.js';
import type { ConsumerChannel } from './amqp-consumer.js';
import type { ReceivedMessage } from './amqp-message.js';
import type { Link } from './amqp-session.js';

/** Publishes job copies, confirmed: to a work queue (delayed per `meta.notBefore`) or a DLQ. */
export interface CopyPublisher {
  /**
   * With `via`, publishes on that connection only, and does nothing once it is lost: the copy
   * replaces a delivery of that connection, which RabbitMQ then redelivers anyway. Without it,
   * waits for the live connection.
   */
  publishCopy(
    nativeQueue: string,
    message: { body: Uint8Array; attributes: Readonly<Record<string, string>>; meta: JobMeta },
    deadLetter?: DeadLetterRecord,
    via?: Link,
  ): Promise<void>;
}

/** The native queues a delivery may publish copies to. */
export interface DeliveryTargets {
  readonly work: string;
  readonly deadLetter: string;
}

/**
 * One message from a consumer channel. Every settlement other than `ack` publishes a copy first,
 * confirmed, and acks the original only then: a crash in between leaves a duplicate, never a loss.
 * If the copy cannot be published, the original goes back to the queue (nack, requeue) and the
 * error is reported, since RabbitMQ would otherwise hold it until the channel closes.
 */
export class AmqpDelivery implements Delivery {
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly meta: ReceivedMessage['meta'] & { readonly id: string };
  readonly deliveryCount: number;
  /** The amqplib message (ConsumeMessage): the escape hatch. */
  readonly native: AmqpMessage;
  readonly #consumer: ConsumerChannel;
  readonly #copies: CopyPublisher;
  readonly #targets: DeliveryTargets;
  #settled = false;

  constructor(
    consumer: ConsumerChannel,
    message: AmqpMessage,
    received: ReceivedMessage,
    copies: CopyPublisher,
    targets: DeliveryTargets,
  ) {
    this.body = message.content;
    this.attributes = received.attributes;
    this.meta = { ...received.meta, id: received.id };
    this.deliveryCount = received.deliveryCount;
    this.native = message;
    this.#consumer = consumer;
    this.#copies = copies;
    this.#targets = targets;
    consumer.taken();
  }

  async ack(): Promise<void> {
    if (!this.#claim()) return;
    this.#consumer.ack(this.native);
    await this.#handledIfClosing();
  }

  async retry(delayMs: number, attempt: number): Promise<void> {
    if (!this.#claim()) return;
    const notBefore = Date.now() + Math.max(0, delayMs);
    await this.#replace(this.#targets.work, { attemptOffset: attempt, notBefore });
  }

  async deadLetter(record: DeadLetterRecord): Promise<void> {
    if (!this.#claim()) return;
    await this.#replace(this.#targets.deadLetter, { attemptOffset: this.meta.attemptOffset ?? 0 }, record);
  }

  /**
   * Republishes rather than nack-requeue: a quorum queue counts every requeue as a delivery, and
   * an unstarted job must not lose an attempt. The copy carries the attempts this one had used.
   */
  async release(): Promise<void> {
    if (!this.#claim()) return;
    await this.#replace(this.#targets.work, { attemptOffset: usedAttempts(this.meta, this.deliveryCount) });
  }

  /** RabbitMQ has no lease to extend (capability lease.extendable is false): never called. */
  async extendLease(): Promise<void> {}

  /** True once, for the first settlement, and only while the channel lives (else a no-op). */
  #claim(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    if (this.#consumer.alive) return true;
    this.#consumer.ack(this.native); // a no-op on a dead channel: only the bookkeeping
    return false;
  }

  async #replace(
    queue: string,
    meta: { attemptOffset: number; notBefore?: number },
    deadLetter?: DeadLetterRecord,
  ): Promise<void> {
    try {
      await this.#copies.publishCopy(
        queue,
        { body: this.body, attributes: this.attributes, meta: copyMeta(this.meta, meta) },
        deadLetter,
        this.#consumer.link,
      );
    } catch (error) {
      this.#consumer.requeue(this.native);
      throw error;
    }
    this.#consumer.ack(this.native);
    await this.#handledIfClosing();
  }

  /**
   * While the worker closes, a settlement resolves only once RabbitMQ has handled its ack: the
   * process may exit right after close() resolves, and an ack still in amqplib's buffers would
   * be lost (the job would run again). Outside of a close, acks go out together, unawaited.
   */
  async #handledIfClosing(): Promise<void> {
    if (this.#consumer.closing) await this.#consumer.processed();
  }
}

/** Attempts a copy has used before this delivery: its offset plus its earlier deliveries. */
export function usedAttempts(meta: { readonly attemptOffset?: number }, deliveryCount: number): number {
  return (meta.attemptOffset ?? 0) + Math.max(1, deliveryCount) - 1;
}

/** The metadata of a republished copy: same id and history, new offset and due time. */
export function copyMeta(
  meta: Partial<JobMeta> & { readonly id: string },
  changes: { attemptOffset: number; notBefore?: number },
): JobMeta {
  return {
    id: meta.id,
    enqueuedAt: meta.enqueuedAt ?? Date.now(),
    attemptOffset: changes.attemptOffset,
    ...(changes.notBefore !== undefined ? { notBefore: changes.notBefore } : {}),
    ...(meta.orderingKey !== undefined ? { orderingKey: meta.orderingKey } : {}),
    ...(meta.dedupId !== undefined ? { dedupId: meta.dedupId } : {}),
    // The producer's trace context stays the job's through every copy (conformance T1).
    ...(meta.traceparent !== undefined ? { traceparent: meta.traceparent } : {}),
    ...(meta.tracestate !== undefined ? { tracestate: meta.tracestate } : {}),
  };
}

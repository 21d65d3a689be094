import {
  completeMeta,
  type DeadLetterRecord,
  type Delivery,
  type JobMeta,
  SettleOnce,
} from '@polyqueue/core/driver';
import { publishDeadLetter } from './dead-letter-copy.js';
import type { ReceivedMessage } from './nats-client.js';
import { decodeMessage, jobHeaders } from './nats-wire.js';
import type { QueueContext } from './queue-context.js';

/**
 * One message from the queue's work consumer.
 *
 * - `retry` NAKs with the delay when it is at most `max_nak_delay_ms`: the NAK counts as a
 *   delivery, which is exactly the attempt that just failed, so `attemptOffset + deliveryCount`
 *   stays the attempt number. Longer backoffs publish a copy to the delay stream carrying
 *   `pq-attempt-offset` = the failed attempt, then ack the original.
 * - `deadLetter` publishes to the dead-letter stream (confirmed, with a `Nats-Msg-Id` so that a
 *   repeat after a lost ack is dropped, cut or split to fit max_payload: dead-letter-copy.ts),
 *   then acks. Never the other way round.
 * - `release` must not cost an attempt, and every NAK does on NATS: it publishes a copy whose
 *   offset leaves this delivery uncounted, then acks the original.
 *
 * Acks name the exact stream sequence in their subject, so a delivery from before a reconnect
 * can still be settled safely: it cannot ack another message, and it saves a redelivery.
 */
export class NatsDelivery implements Delivery {
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly meta: Partial<JobMeta> & { readonly id: string };
  readonly deliveryCount: number;
  readonly #message: ReceivedMessage;
  readonly #queue: QueueContext;
  /** A second settlement, or one after the driver closed, is a no-op. */
  readonly #once = new SettleOnce(() => this.#queue.alive());

  constructor(queue: QueueContext, message: ReceivedMessage) {
    const decoded = decodeMessage(message.headers);
    this.body = message.data;
    this.attributes = decoded.attributes;
    const { meta } = decoded;
    this.meta =
      meta.id !== undefined ? (meta as typeof this.meta) : { ...meta, id: nativeId(queue, message) };
    this.deliveryCount = message.deliveryCount;
    this.#message = message;
    this.#queue = queue;
  }

  /** The `JsMsg` from `@nats-io/jetstream`. */
  get native(): unknown {
    return this.#message.native;
  }

  /** A plain JetStream ack has no reply to wait for (see Delivery.ack). */
  ack(): undefined {
    if (this.#once.claim()) this.#message.ack();
    return undefined;
  }

  async retry(delayMs: number, attempt: number): Promise<void> {
    if (!this.#once.claim()) return;
    if (delayMs <= this.#queue.settings.maxNakDelayMs) {
      this.#message.nak(delayMs > 0 ? delayMs : undefined);
      return;
    }
    const { names } = this.#queue;
    const meta = {
      ...this.#fullMeta(),
      attemptOffset: attempt,
      notBefore: this.#queue.clock.now() + delayMs,
    };
    await this.#republish(names.delaySubject, jobHeaders(this.attributes, meta));
  }

  async deadLetter(record: DeadLetterRecord): Promise<void> {
    if (!this.#once.claim()) return;
    await publishDeadLetter(this.#queue, {
      body: this.body,
      attributes: this.attributes,
      meta: this.#fullMeta(),
      record,
      msgId: deadLetterMsgId(this.#queue, this.#message.streamSequence, this.meta.id),
    });
    this.#message.ack();
  }

  async release(): Promise<void> {
    if (!this.#once.claim()) return;
    const full = this.#fullMeta();
    const { notBefore: _, ...meta } = {
      ...full,
      attemptOffset: full.attemptOffset + Math.max(0, this.deliveryCount - 1),
    };
    await this.#republish(this.#queue.names.subject, jobHeaders(this.attributes, meta));
  }

  async extendLease(): Promise<void> {
    // +WPI restarts AckWait, which is the queue's lease.
    if (this.#once.open) this.#message.working();
  }

  /** Publish a copy (confirmed), then ack this one: a crash in between duplicates, never loses. */
  async #republish(subject: string, headers: Record<string, string>): Promise<void> {
    await this.#queue.client.publish(subject, this.body, { headers });
    this.#message.ack();
  }

  #fullMeta(): JobMeta {
    // A foreign message's enqueuedAt is when the stream stored it.
    return completeMeta(this.meta, this.#message.storedAt ?? this.#queue.clock.now());
  }
}

/** A foreign message has no pq-id: its stream and sequence identify it. */
export function nativeId(queue: QueueContext, message: { streamSequence: number }): string {
  return `${queue.names.stream}:${message.streamSequence}`;
}

/**
 * One id per (work stream, sequence, job): the core's dead-lettering and the MAX_DELIVERIES
 * copier use the same one, so the dead-letter stream keeps a single copy of a message.
 */
export function deadLetterMsgId(queue: QueueContext, streamSequence: number, jobId: string): string {
  return `pq-dl:${queue.names.stream}:${streamSequence}:${jobId}`;
}

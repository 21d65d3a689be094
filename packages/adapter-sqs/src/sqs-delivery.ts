import type { Message } from '@aws-sdk/client-sqs';
import {
  completeMeta,
  type DeadLetterRecord,
  type Delivery,
  type JobMeta,
  SettleOnce,
} from '@polyqueue/core/driver';
import type { QueueContext } from './queue-context.js';
import type { QueueRef } from './queue-ref.js';
import { decodeAttributes } from './sqs-wire.js';
import { remainingBudgetSeconds, toSeconds } from './visibility.js';

/** How a delivery ended, for the FIFO group gate: its group may go on, or must wait. */
export type SettleKind = 'done' | 'back';

const encoder = new TextEncoder();

/**
 * One received SQS message. Settlement:
 * - ack: `DeleteMessageBatch` (coalesced with other acks of the same tick);
 * - retry: `ChangeMessageVisibility` to the backoff, not deleted, so `ApproximateReceiveCount`
 *   counts the next attempt; a backoff beyond the 12 h visibility budget republishes a copy
 *   through the delay path with the attempts used carried in `pq.a`, then deletes this one;
 * - dead letter: send to the dead-letter queue with the record, THEN delete;
 * - release: visibility 0; extend: `ChangeMessageVisibility`, within the budget.
 */
export class SqsDelivery implements Delivery {
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly meta: Partial<JobMeta> & { readonly id: string };
  readonly deliveryCount: number;
  /** The SDK's `Message`, with `Attributes` (system) and `MessageAttributes`. */
  readonly native: Message;
  /** FIFO message group (absent on standard queues). */
  readonly group: string | undefined;
  readonly receivedAt: number;
  onSettled: ((kind: SettleKind) => void) | undefined;
  readonly #context: QueueContext;
  readonly #queue: QueueRef;
  /** A second settlement, or one after the connection closed, is a no-op. */
  readonly #once = new SettleOnce(() => this.#context.alive());

  constructor(context: QueueContext, queue: QueueRef, message: Message) {
    const decoded = decodeAttributes(message.MessageAttributes);
    this.native = message;
    this.body = encoder.encode(message.Body ?? '');
    this.attributes = decoded.attributes;
    this.meta = { ...decoded.meta, id: decoded.meta.id ?? message.MessageId ?? '' };
    // Receives of this message that no handler used (given back unstarted) are not attempts.
    const received = Number(message.Attributes?.ApproximateReceiveCount) || 1;
    this.deliveryCount = Math.max(1, received - context.unstarted.of(message.MessageId));
    this.group = message.Attributes?.MessageGroupId;
    this.receivedAt = Date.now();
    this.#context = context;
    this.#queue = queue;
  }

  get receiptHandle(): string {
    return this.native.ReceiptHandle ?? '';
  }

  ack(): Promise<void> {
    return this.#settle('done', () => this.#delete());
  }

  retry(delayMs: number, attempt: number): Promise<void> {
    return this.#settle('back', async () => {
      const seconds = toSeconds(delayMs);
      if (seconds <= remainingBudgetSeconds(this.receivedAt, Date.now())) {
        await this.#changeVisibility(seconds);
        return;
      }
      await this.#context.copies.republish(this.#context.topology, this.native.Body ?? '', this.attributes, {
        ...this.#fullMeta(),
        attemptOffset: attempt,
        notBefore: Date.now() + delayMs,
      });
      await this.#delete();
    });
  }

  deadLetter(record: DeadLetterRecord): Promise<void> {
    return this.#settle('done', async () => {
      await this.#context.copies.sendToDeadLetters(
        this.#context.topology,
        this.native.Body ?? '',
        this.attributes,
        this.#fullMeta(),
        record,
        this.native.MessageId ?? this.meta.id,
      );
      await this.#delete();
    });
  }

  /** Unstarted (the core's contract), so this receive is credited back: it is no attempt. */
  release(): Promise<void> {
    return this.#settle('back', () => this.#handBack());
  }

  async extendLease(leaseMs: number): Promise<void> {
    if (!this.#once.open) return;
    const now = Date.now();
    const seconds = Math.min(toSeconds(leaseMs), remainingBudgetSeconds(this.receivedAt, now));
    if (seconds < 1) throw new Error(`Job ${this.meta.id} has used up the 12 h SQS visibility budget`);
    await this.#changeVisibility(seconds);
  }

  /**
   * Release without settling: for messages the receiver never handed out (FIFO followers whose
   * group head went back, late results of an aborted poll, held messages at close).
   */
  async giveBack(): Promise<void> {
    if (this.#once.claim()) await this.#handBack();
  }

  /** Visible again at once, and this receive credited: it ran nothing. */
  #handBack(): Promise<unknown> {
    this.#context.unstarted.add(this.native.MessageId);
    return this.#changeVisibility(0);
  }

  async #delete(): Promise<void> {
    await this.#context.calls.delete(this.#queue, this.receiptHandle);
    this.#context.unstarted.forget(this.native.MessageId);
  }

  /**
   * Settlement is once only, and a dead (abandoned) connection settles nothing. The FIFO gate
   * hears `kind` on success; a settlement that failed leaves the message to come back, so its
   * group must wait for it ('back').
   */
  async #settle(kind: SettleKind, work: () => Promise<unknown>): Promise<void> {
    if (!this.#once.claim()) return;
    let outcome: SettleKind = 'back';
    try {
      await work();
      outcome = kind;
    } finally {
      this.onSettled?.(outcome);
    }
  }

  #changeVisibility(seconds: number): Promise<unknown> {
    return this.#context.api.changeMessageVisibility({
      QueueUrl: this.#queue.url,
      ReceiptHandle: this.receiptHandle,
      VisibilityTimeout: seconds,
    });
  }

  /** The job's metadata, completed for a foreign message that carried none. */
  #fullMeta(): JobMeta {
    const sent = Number(this.native.Attributes?.SentTimestamp);
    return completeMeta(this.meta, Number.isSafeInteger(sent) ? sent : this.receivedAt);
  }
}

import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import {
  completeMeta,
  type DeadLetterRecord,
  type Delivery,
  type JobMeta,
  SettleOnce,
} from '@polyqueue/core/driver';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { QueueContext } from '../queue-context.js';
import type { QueueRef } from '../queue-ref.js';
import { decodeAttributes } from '../sqs-wire.js';
import { remainingBudgetSeconds, toSeconds } from '../visibility.js';

const encoder = new TextEncoder();

/** What Lambda should do with the record once the job has been settled. */
export type RecordVerdict = 'success' | 'failure';

/**
 * One record of an SQS event, as a polyqueue delivery. Lambda owns the deletes: a success is
 * deleted by Lambda when the batch returns; a failure (listed in `batchItemFailures`) stays.
 * - ack, dead letter (sent to the DLQ first), over-budget retry (republished first): success;
 * - retry: visibility set to the backoff, then failure, so SQS delivers it again after it;
 * - release: visibility 0, failure.
 */
export class LambdaDelivery implements Delivery {
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly meta: Partial<JobMeta> & { readonly id: string };
  readonly deliveryCount: number;
  /** The Lambda `SQSRecord` (the escape hatch in a Lambda). */
  readonly native: SQSRecord;
  verdict: RecordVerdict = 'failure';
  readonly #context: QueueContext;
  readonly #queue: QueueRef;
  readonly #receivedAt = Date.now();
  /** A second settlement is a no-op (the invocation's connection lives as long as it does). */
  readonly #once = new SettleOnce(() => true);

  constructor(context: QueueContext, queue: QueueRef, record: SQSRecord) {
    const decoded = decodeAttributes(toSdkAttributes(record.messageAttributes));
    this.native = record;
    this.body = encoder.encode(record.body);
    this.attributes = decoded.attributes;
    this.meta = { ...decoded.meta, id: decoded.meta.id ?? record.messageId };
    // Receives of this record that no handler used (skipped, released) are not attempts.
    const received = Number(record.attributes.ApproximateReceiveCount) || 1;
    this.deliveryCount = Math.max(1, received - context.unstarted.of(record.messageId));
    this.#context = context;
    this.#queue = queue;
  }

  async ack(): Promise<void> {
    if (this.#once.claim()) this.verdict = 'success';
  }

  async retry(delayMs: number, attempt: number): Promise<void> {
    if (!this.#once.claim()) return;
    const seconds = toSeconds(delayMs);
    if (seconds <= remainingBudgetSeconds(this.#receivedAt, Date.now())) {
      await this.#changeVisibility(seconds);
      return;
    }
    await this.#context.copies.republish(this.#context.topology, this.native.body, this.attributes, {
      ...this.#fullMeta(),
      attemptOffset: attempt,
      notBefore: Date.now() + delayMs,
    });
    this.verdict = 'success';
  }

  async deadLetter(record: DeadLetterRecord): Promise<void> {
    if (!this.#once.claim()) return;
    await this.#context.copies.sendToDeadLetters(
      this.#context.topology,
      this.native.body,
      this.attributes,
      this.#fullMeta(),
      record,
      this.native.messageId,
    );
    this.verdict = 'success';
  }

  /** Unstarted (the core's contract): visible again at once, and this receive is no attempt. */
  async release(): Promise<void> {
    if (!this.#once.claim()) return;
    this.#context.unstarted.add(this.native.messageId);
    await this.#changeVisibility(0);
  }

  async extendLease(leaseMs: number): Promise<void> {
    if (!this.#once.open) return;
    const seconds = Math.min(toSeconds(leaseMs), remainingBudgetSeconds(this.#receivedAt, Date.now()));
    if (seconds >= 1) await this.#changeVisibility(seconds);
  }

  #changeVisibility(seconds: number): Promise<unknown> {
    return this.#context.api.changeMessageVisibility({
      QueueUrl: this.#queue.url,
      ReceiptHandle: this.native.receiptHandle,
      VisibilityTimeout: seconds,
    });
  }

  #fullMeta(): JobMeta {
    const sent = Number(this.native.attributes.SentTimestamp);
    return completeMeta(this.meta, Number.isSafeInteger(sent) ? sent : this.#receivedAt);
  }
}

/** Lambda spells message attributes in lower camel case; the SDK (and our decoder) in Pascal case. */
function toSdkAttributes(attributes: SQSMessageAttributes): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] = {
      DataType: value.dataType,
      ...(value.stringValue !== undefined ? { StringValue: value.stringValue } : {}),
      ...(value.binaryValue !== undefined ? { BinaryValue: Buffer.from(value.binaryValue, 'base64') } : {}),
    };
  }
  return out;
}

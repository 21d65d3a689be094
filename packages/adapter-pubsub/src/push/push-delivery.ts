import { completeMeta, type DeadLetterRecord, type Delivery, type JobMeta } from '@polyqueue/core/driver';
import type { QueueContext } from '../queue-context.js';
import { fromAttributes } from '../wire.js';
import type { ParsedPushBody } from './push-body.js';

/** How a push delivery was settled: the HTTP answer follows from it. */
export type PushVerdict = 'ack' | 'nack';

/**
 * One pushed message. Pub/Sub settles a push by the HTTP status: 2xx acknowledges, anything else
 * is a nack and Pub/Sub pushes it again after the subscription's retry policy. So:
 * - ack and deadLetter (publish to the DLQ topic first) answer "ack";
 * - retry and release answer "nack": the backoff is the push subscription's `retryPolicy`, not
 *   the queue's, and the next attempt number comes from Pub/Sub's `deliveryAttempt`;
 * - extendLease does nothing: a push's ack deadline is its request timeout.
 */
export class PushDelivery implements Delivery {
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly meta: Partial<JobMeta> & { readonly id: string };
  readonly deliveryCount: number;
  /** The parsed push request body. */
  readonly native: Extract<ParsedPushBody, { ok: true }>['body'];
  readonly #queue: QueueContext;
  readonly #publishTime: number;
  #verdict: PushVerdict | undefined;

  constructor(queue: QueueContext, parsed: Extract<ParsedPushBody, { ok: true }>) {
    const decoded = fromAttributes(parsed.attributes);
    this.body = parsed.data;
    this.attributes = decoded.attributes;
    this.meta = { ...decoded.meta, id: decoded.meta.id ?? parsed.messageId };
    this.deliveryCount = Math.max(1, parsed.deliveryAttempt);
    this.native = parsed.body;
    this.#queue = queue;
    this.#publishTime = parsed.publishTime ?? Date.now();
  }

  /** Undefined while unsettled (or when settling failed): the request must then be nacked. */
  get verdict(): PushVerdict | undefined {
    return this.#verdict;
  }

  async ack(): Promise<void> {
    this.#verdict ??= 'ack';
  }

  async retry(): Promise<void> {
    this.#verdict ??= 'nack';
  }

  async release(): Promise<void> {
    this.#verdict ??= 'nack';
  }

  async deadLetter(record: DeadLetterRecord): Promise<void> {
    if (this.#verdict !== undefined) return;
    const { notBefore: _, ...meta } = completeMeta(this.meta, this.#publishTime);
    await this.#queue.publishDeadLetter(this.body, this.attributes, meta, record);
    this.#verdict = 'ack';
  }

  async extendLease(): Promise<void> {}
}

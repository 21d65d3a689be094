import type { DeadLetterRecord } from '@polyqueue/core/driver';
import { deadLetterMsgId, nativeId } from './nats-delivery.js';
import { maxDeliveriesAdvisory, WORKER_CONSUMER } from './nats-names.js';
import { completeMeta, deadLetterHeaders, decodeMessage } from './nats-wire.js';
import type { QueueContext } from './queue-context.js';

interface MaxDeliveriesAdvisory {
  readonly stream_seq?: number;
  readonly deliveries?: number;
}

/**
 * The crash-loop safety net (R6) behind `MaxDeliver`. The core dead-letters a job itself once its
 * attempts are used up, but only if a worker lives long enough to see that delivery. When the
 * server gives up first (MaxDeliver, set above maxAttempts), it publishes a MAX_DELIVERIES
 * advisory and leaves the message in the WorkQueue stream, where nobody would ever receive it
 * again. This listener copies such a message to the dead-letter stream (reason `exhausted`,
 * confirmed, deduplicated with the core's own dead-letter id) and then deletes it from the work
 * stream. Advisories are core NATS, not stored: the net works while a receiver of the queue is
 * open somewhere, which is when deliveries happen at all.
 */
export class MaxDeliveriesCopier {
  readonly #queue: QueueContext;
  #unsubscribe: (() => void) | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  #lastError: unknown;

  constructor(queue: QueueContext) {
    this.#queue = queue;
  }

  get lastError(): unknown {
    return this.#lastError;
  }

  start(): void {
    const { client, names } = this.#queue;
    this.#unsubscribe ??= client.subscribe(maxDeliveriesAdvisory(names.stream, WORKER_CONSUMER), (data) => {
      const copy = this.#copy(data).catch((error: unknown) => {
        this.#lastError = error;
      });
      this.#inFlight.add(copy);
      void copy.finally(() => this.#inFlight.delete(copy));
    });
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await Promise.allSettled([...this.#inFlight]);
  }

  async #copy(data: Uint8Array): Promise<void> {
    const advisory = JSON.parse(new TextDecoder().decode(data)) as MaxDeliveriesAdvisory;
    const seq = advisory.stream_seq;
    if (typeof seq !== 'number') return;
    const { client, names, deadLetterNames, topology } = this.#queue;
    const stored = await client.getMessage(names.stream, seq);
    if (stored === undefined) return; // another process copied it already
    const decoded = decodeMessage(stored.headers);
    const now = this.#queue.now();
    const meta = completeMeta(decoded.meta, nativeId(this.#queue, stored), now);
    const deliveries = advisory.deliveries ?? 0;
    const record: DeadLetterRecord = {
      reason: 'exhausted',
      errorName: 'MaxDeliverExceeded',
      errorMessage: `NATS delivered the job ${deliveries} times without it being settled (MaxDeliver); its consumers likely crashed`,
      attempts: meta.attemptOffset + deliveries,
      sourceQueue: topology.name,
      failedAt: now,
    };
    await client.publish(deadLetterNames.subject, stored.data, {
      headers: deadLetterHeaders(decoded.attributes, meta, record),
      msgId: deadLetterMsgId(this.#queue, seq, meta.id),
    });
    await client.deleteMessage(names.stream, seq);
  }
}

import type { DeadLetterRecord } from '@polyqueue/core/driver';
import { pause } from './abortable.js';
import { publishDeadLetter } from './dead-letter-copy.js';
import { deadLetterMsgId, nativeId } from './nats-delivery.js';
import { maxDeliveriesAdvisory, WORKER_CONSUMER } from './nats-names.js';
import { completeMeta, decodeMessage } from './nats-wire.js';
import type { QueueContext } from './queue-context.js';

interface MaxDeliveriesAdvisory {
  readonly stream_seq?: number;
  readonly deliveries?: number;
}

/** A failed copy is tried again after this long, doubling up to RETRY_MAX_MS, while the copier runs. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * The crash-loop safety net (R6) behind `MaxDeliver`. The core dead-letters a job itself once its
 * attempts are used up, but only if a worker lives long enough to see that delivery. When the
 * server gives up first (MaxDeliver, set above maxAttempts), it publishes a MAX_DELIVERIES
 * advisory and leaves the message in the WorkQueue stream, where nobody would ever receive it
 * again. This listener copies such a message to the dead-letter stream (reason `exhausted`,
 * confirmed, deduplicated with the core's own dead-letter id, cut or split to fit max_payload)
 * and then deletes it from the work stream.
 *
 * The advisory comes once: a copy that fails is reported (action `copy-exhausted`) and tried
 * again, with a growing pause, until it succeeds or the copier stops. Advisories are core NATS,
 * not stored: the net works while a receiver of the queue is open somewhere, which is when
 * deliveries happen at all.
 */
export class MaxDeliveriesCopier {
  readonly #queue: QueueContext;
  readonly #stop = new AbortController();
  #unsubscribe: (() => void) | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(queue: QueueContext) {
    this.#queue = queue;
  }

  start(): void {
    const { client, names } = this.#queue;
    this.#unsubscribe ??= client.subscribe(
      maxDeliveriesAdvisory(names.stream, WORKER_CONSUMER),
      (data) => {
        const copy = this.#copyUntilDone(data);
        this.#inFlight.add(copy);
        void copy.finally(() => this.#inFlight.delete(copy));
      },
      (error) => this.#queue.report('advisory-subscription', error),
    );
  }

  /** Stops listening and retrying; resolves when no copy is under way. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Never rejects: every failure goes to the broker's error event. */
  async #copyUntilDone(data: Uint8Array): Promise<void> {
    let advisory: MaxDeliveriesAdvisory;
    try {
      advisory = JSON.parse(new TextDecoder().decode(data)) as MaxDeliveriesAdvisory;
    } catch (error) {
      this.#queue.report('copy-exhausted', error);
      return;
    }
    let wait = RETRY_FIRST_MS;
    for (;;) {
      try {
        await this.#copy(advisory);
        return;
      } catch (error) {
        this.#queue.report('copy-exhausted', error);
      }
      if (!(await pause(wait, this.#stop.signal))) return;
      wait = Math.min(wait * 2, RETRY_MAX_MS);
    }
  }

  async #copy(advisory: MaxDeliveriesAdvisory): Promise<void> {
    const seq = advisory.stream_seq;
    if (typeof seq !== 'number') return;
    const { client, names, topology } = this.#queue;
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
    await publishDeadLetter(this.#queue, {
      body: stored.data,
      attributes: decoded.attributes,
      meta,
      record,
      msgId: deadLetterMsgId(this.#queue, seq, meta.id),
    });
    await client.deleteMessage(names.stream, seq);
  }
}

import {
  BackgroundLoop,
  completeMeta,
  type DeadLetterRecord,
  type QueueService,
  Wakeup,
} from '@polyqueue/core/driver';
import { publishDeadLetter } from './dead-letter-copy.js';
import { deadLetterMsgId, nativeId } from './nats-delivery.js';
import { maxDeliveriesAdvisory, WORKER_CONSUMER } from './nats-names.js';
import { decodeMessage } from './nats-wire.js';
import type { QueueContext } from './queue-context.js';

interface MaxDeliveriesAdvisory {
  readonly stream_seq?: number;
  readonly deliveries?: number;
}

const decoder = new TextDecoder();

/**
 * The crash-loop safety net (R6) behind `MaxDeliver`. The core dead-letters a job itself once its
 * attempts are used up, but only if a worker lives long enough to see that delivery. When the
 * server gives up first (MaxDeliver, set above maxAttempts), it publishes a MAX_DELIVERIES
 * advisory and leaves the message in the WorkQueue stream, where nobody would ever receive it
 * again. This listener copies such a message to the dead-letter stream (reason `exhausted`,
 * confirmed, deduplicated with the core's own dead-letter id, cut or split to fit max_payload)
 * and then deletes it from the work stream.
 *
 * The advisory comes once, so it is kept until its copy succeeds: a background loop copies the
 * advisories in arrival order, and one whose copy fails is reported (action `copy-exhausted`) and
 * goes to the back, behind the kit's error backoff. Advisories are core NATS, not stored: the net
 * works while a receiver of the queue is open somewhere, which is when deliveries happen at all.
 */
export class MaxDeliveriesCopier implements QueueService {
  readonly #queue: QueueContext;
  readonly #loop: BackgroundLoop;
  readonly #advisories: MaxDeliveriesAdvisory[] = [];
  #unsubscribe: (() => void) | undefined;
  readonly #arrived = new Wakeup();

  constructor(queue: QueueContext) {
    this.#queue = queue;
    this.#loop = new BackgroundLoop({
      clock: queue.clock,
      errors: queue.errors,
      action: 'copy-exhausted',
      queue: queue.topology.name,
      step: (signal) => this.#step(signal),
    });
  }

  start(): void {
    const { client, names } = this.#queue;
    this.#unsubscribe ??= client.subscribe(
      maxDeliveriesAdvisory(names.stream, WORKER_CONSUMER),
      (data) => this.#received(data),
      (error) => this.#queue.report('advisory-subscription', error),
    );
    this.#loop.start();
  }

  /**
   * Stops listening and copying; resolves when no copy is under way. Never rejects. Graceful: an
   * advisory not copied yet gets one more try first, since the server never sends it again.
   */
  async stop(mode: 'graceful' | 'abandon' = 'graceful'): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#loop.stop();
    if (mode === 'abandon') return;
    for (const advisory of this.#advisories.splice(0))
      await this.#copy(advisory).catch((error: unknown) => this.#queue.report('copy-exhausted', error));
  }

  #received(data: Uint8Array): void {
    try {
      this.#advisories.push(JSON.parse(decoder.decode(data)) as MaxDeliveriesAdvisory);
    } catch (error) {
      this.#queue.report('copy-exhausted', error);
      return;
    }
    this.#arrived.notify();
  }

  async #step(signal: AbortSignal): Promise<'idle' | 'busy'> {
    const advisory = this.#advisories.shift();
    if (advisory === undefined) {
      await this.#arrived.wait(signal);
      return 'idle';
    }
    try {
      await this.#copy(advisory);
    } catch (error) {
      // Behind the others: one message that cannot be copied must not hold back the rest.
      this.#advisories.push(advisory);
      throw error;
    }
    return 'busy';
  }

  async #copy(advisory: MaxDeliveriesAdvisory): Promise<void> {
    const seq = advisory.stream_seq;
    if (typeof seq !== 'number') return;
    const { client, names, topology } = this.#queue;
    const stored = await client.getMessage(names.stream, seq);
    if (stored === undefined) return; // another process copied it already
    const decoded = decodeMessage(stored.headers);
    const now = this.#queue.clock.now();
    const id = decoded.meta.id ?? nativeId(this.#queue, stored);
    const meta = completeMeta({ ...decoded.meta, id }, stored.storedAt ?? now);
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

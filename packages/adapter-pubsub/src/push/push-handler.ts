import { randomUUID } from 'node:crypto';
import type { Broker, WorkerOptions } from '@polyqueue/core';
import {
  ConfigError,
  type DeliveryHandler,
  type Handler,
  type JobOutcome,
  type Queue,
} from '@polyqueue/core';
import { driverOf } from '../pubsub-driver.js';
import type { QueueContext } from '../queue-context.js';
import { parsePushBody } from './push-body.js';
import { PushDelivery } from './push-delivery.js';

/** What to answer Pub/Sub: a 2xx status acknowledges the message, anything else nacks it. */
export interface PushResponse {
  readonly status: number;
  /** How the job ended, or `rejected` for a body that was not a push request. */
  readonly outcome: JobOutcome | 'rejected';
  /**
   * Why a rejected body could not be dead-lettered (answered 500, so Pub/Sub pushes it again).
   * Errors of regular jobs are reported through `events` like a worker's.
   */
  readonly error?: unknown;
}

export interface PushHandlerOptions extends Pick<WorkerOptions, 'handlerTimeoutMs' | 'middleware'> {
  /** The queue's dead-letter queue, if it was not the default `<queue>.dlq`. */
  readonly deadLetterQueue?: string;
}

const ACK = 204;
const NACK = 503;
const FAILED_TO_SETTLE = 500;

/**
 * Runs a queue's handler on Pub/Sub push requests (Cloud Run, Cloud Functions, any HTTP server):
 * the same decoding, attempts, dead-lettering and events as a worker, via the core's delivery
 * handler. Framework-agnostic: give `handle()` the request body (parsed JSON, a string or bytes)
 * and answer with the returned status. One handler serves pushes of both the queue's `<queue>`
 * (jobs as sent) and `<queue>.ready` (redriven dead letters, due delayed jobs) subscriptions.
 *
 * - Success and dead letters answer 204 (ack). A job dead-letters at `maxAttempts` counted by
 *   Pub/Sub's `deliveryAttempt`, which the push subscription only sends with a dead-letter policy.
 * - A failed attempt answers 503 (nack): Pub/Sub pushes it again after the subscription's
 *   `retryPolicy` backoff. Nothing is republished, so no other subscription sees it again.
 * - A body that is not a push request, or whose data does not decode, is dead-lettered (reason
 *   `decode`) and acknowledged, so it cannot loop.
 * - If publishing a dead letter fails, the answer is 500: Pub/Sub pushes it again, nothing is lost.
 */
export class PushHandler<T = unknown> {
  /** The core's delivery handler: subscribe to its events (`completed`, `failed`, `dead-lettered`...). */
  readonly events: DeliveryHandler<T>;
  readonly #queue: QueueContext;
  readonly #name: string;

  constructor(broker: Broker, queue: Queue<T>, handler: Handler<T>, options: PushHandlerOptions = {}) {
    const driver = driverOf(broker.native());
    if (driver === undefined) {
      throw new ConfigError(
        'createPushHandler needs a broker connected with pubsub:// (or createPubSubDriver)',
      );
    }
    const { deadLetterQueue, ...handlerOptions } = options;
    this.#name = queue.name;
    this.#queue = driver.queueContext({
      name: queue.name,
      deadLetterName: deadLetterQueue ?? `${queue.name}.dlq`,
      // Neither is used to settle a push; only the names matter here.
      leaseMs: 10_000,
      maxAttempts: 1,
    });
    this.events = queue.createDeliveryHandler(handler, handlerOptions);
  }

  /** Handles one push request body. Never rejects. */
  async handle(body: unknown): Promise<PushResponse> {
    const parsed = parsePushBody(body);
    if (!parsed.ok) return this.#reject(parsed.raw, parsed.reason);
    const delivery = new PushDelivery(this.#queue, parsed);
    const outcome = await this.events.handle(delivery);
    const verdict = delivery.verdict;
    if (verdict === 'ack') return { status: ACK, outcome };
    if (verdict === 'nack') return { status: NACK, outcome };
    return { status: FAILED_TO_SETTLE, outcome };
  }

  /** Not a push request at all: keep the bytes in the dead-letter queue rather than looping on them. */
  async #reject(raw: Uint8Array, reason: string): Promise<PushResponse> {
    try {
      await this.#queue.publishDeadLetter(
        raw,
        {},
        { id: randomUUID(), enqueuedAt: Date.now(), attemptOffset: 0 },
        {
          reason: 'decode',
          errorName: 'DecodeError',
          errorMessage: `Not a Pub/Sub push request: ${reason}`,
          attempts: 1,
          sourceQueue: this.#name,
          failedAt: Date.now(),
        },
      );
      return { status: ACK, outcome: 'rejected' };
    } catch (error) {
      return { status: FAILED_TO_SETTLE, outcome: 'rejected', error };
    }
  }
}

/** `createPushHandler(broker, queue, handler)`: see {@link PushHandler}. */
export function createPushHandler<T>(
  broker: Broker,
  queue: Queue<T>,
  handler: Handler<T>,
  options?: PushHandlerOptions,
): PushHandler<T> {
  return new PushHandler(broker, queue, handler, options);
}

import { randomUUID } from 'node:crypto';
import type { DeliveryHandler, Handler, JobOutcome, Queue, WorkerOptions } from '@polyqueue/core';
import { platformOf } from '@polyqueue/core/driver';
import { PubSubDriver } from '../pubsub-driver.js';
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

export type PushHandlerOptions = Pick<WorkerOptions, 'handlerTimeoutMs' | 'middleware'>;

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

  /**
   * Takes the queue alone: its driver, topology (the real dead-letter queue) and policy come from
   * the queue itself (`platformOf`). A queue of another broker is a ConfigError.
   */
  constructor(queue: Queue<T>, handler: Handler<T>, options: PushHandlerOptions = {}) {
    const platform = platformOf(queue, PubSubDriver);
    this.#name = platform.topology.name;
    this.#queue = platform.driver.queueContext(platform.topology);
    this.events = platform.createDeliveryHandler(handler, options);
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

/** `createPushHandler(queue, handler)`: see {@link PushHandler}. */
export function createPushHandler<T>(
  queue: Queue<T>,
  handler: Handler<T>,
  options?: PushHandlerOptions,
): PushHandler<T> {
  return new PushHandler(queue, handler, options);
}

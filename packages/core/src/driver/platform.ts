import type { Clock } from '../clock/clock.js';
import type { BackoffFunction } from '../policy/backoff.js';
import type { DeliveryHandler } from '../runtime/delivery-handler.js';
import type { Handler } from '../runtime/job.js';
import type { WorkerOptions } from '../runtime/options.js';
import type { Driver } from './driver.js';
import type { QueueTopology } from './queue-topology.js';

/**
 * What a platform adapter (the SQS Lambda handler, the Pub/Sub push handler) needs of a queue to
 * run its jobs on deliveries the platform hands over: `platformOf(queue)`, from
 * `@polyqueue/core/driver`. Not part of the user-facing `Queue`: application code never needs it.
 */
export interface QueuePlatform<T = unknown, D extends Driver = Driver> {
  /** The driver the queue's broker runs on. */
  readonly driver: D;
  /**
   * The queue's topology exactly as the core defined it and shows it to the driver: names (the
   * user's dead-letter queue, not a guessed `<name>.dlq`), `maxAttempts`, `leaseMs`.
   */
  readonly topology: QueueTopology;
  /** The clock the queue's runtime keeps time by. */
  readonly clock: Clock;
  /** The queue's retry policy: the wait before attempt `attempt + 1` after attempt `attempt` failed with `error`. */
  readonly backoff: BackoffFunction;
  /** The queue's handler timeout, when it has one. */
  readonly handlerTimeoutMs: number | undefined;
  /**
   * Creates the queue, its dead-letter queue and delay machinery when the broker provisions (the
   * same memoized call a worker's first receive makes); resolves at once when it does not. Its
   * errors are already wrapped, naming the queue.
   */
  ensureProvisioned(): Promise<void>;
  /**
   * The worker's per-delivery policy (decode, attempts, backoff, dead-lettering, events) applied to
   * one delivery at a time. Build each `Delivery` so that its settlement does what the platform
   * expects (a Lambda retry reports a batch item failure; a push retry answers a nack).
   */
  createDeliveryHandler(
    handler: Handler<T>,
    options?: Pick<WorkerOptions, 'handlerTimeoutMs' | 'middleware'>,
  ): DeliveryHandler<T>;
}

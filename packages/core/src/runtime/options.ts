import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Backoff } from '../policy/backoff.js';
import type { Serializer } from '../serialization/serializer.js';
import type { Middleware } from './job.js';

/**
 * How a queue behaves, on every broker alike. Every option has a documented default.
 * `T` is the payload handlers get; `I` is what producers may send (they differ only with a
 * schema that coerces, transforms or fills defaults).
 */
export interface QueueOptions<T = unknown, I = T> {
  /**
   * A Standard Schema (zod, valibot, arktype...): checked at send and again at receive. `send`
   * takes its input type, handlers get its output type: `z.coerce.date()` accepts a string at send
   * and hands the handler a Date.
   */
  // The first member accepts any schema with output T whatever its input (with `queue<T>()` given
  // explicitly, I is T); the second lets the compiler infer I from the schema's input type.
  readonly schema?: StandardSchemaV1<unknown, T> | StandardSchemaV1<I, T>;
  /** Attempts before dead-lettering, counting the first. Default 5. */
  readonly maxAttempts?: number;
  /** Wait between attempts. Default: exponential from 1 s, capped at 5 min, full jitter. */
  readonly backoff?: Backoff;
  /**
   * The lease (visibility timeout): how long a delivery is held before the broker assumes the
   * consumer died. Extended automatically while the handler runs. Default 30 s.
   */
  readonly leaseMs?: number;
  /** Fail an attempt whose handler runs longer than this, and abort its signal. Default: none. */
  readonly handlerTimeoutMs?: number;
  /** Dead-letter queue name. Default `<name>.dlq` (or the broker's native DLQ). */
  readonly deadLetterQueue?: string;
  /** Default: the broker's serializer (JSON unless configured). */
  readonly serializer?: Serializer;
}

export interface SendOptions {
  /** Deliver no earlier than this many ms from now. Any length; never early. */
  readonly delay?: number;
  /** Deliver no earlier than this time. Exclusive with `delay`. */
  readonly notBefore?: Date | number;
  /** Jobs with the same id inside the broker's dedup window are handled once (capability `dedup`). */
  readonly dedupId?: string;
  /** Jobs with the same key are handled one at a time, in send order (capability `ordering`). */
  readonly orderingKey?: string;
  /** String metadata for the job; names starting with `pq-` are reserved. */
  readonly attributes?: Readonly<Record<string, string>>;
  /**
   * The application's open database transaction, as a handle the adapter understands (capability
   * `transactions`; each adapter's README lists the handles it takes, e.g. a node-postgres client
   * inside `BEGIN`). The job is written in that transaction: it becomes visible only if the
   * transaction commits, and a rollback leaves no trace. The caller commits or rolls back.
   */
  readonly transaction?: unknown;
}

export interface WorkerOptions {
  /** Handlers running at once. Default 1. */
  readonly concurrency?: number;
  /**
   * Deliveries fetched ahead of free handler slots. Default: equal to `concurrency`. The worker
   * never holds more than concurrency + prefetch unsettled deliveries.
   */
  readonly prefetch?: number;
  /** Overrides the queue's `handlerTimeoutMs` for this worker. */
  readonly handlerTimeoutMs?: number;
  /** Wraps every handler call, outermost first. */
  readonly middleware?: readonly Middleware[];
}

export interface CloseOptions {
  /**
   * How long to wait for running handlers. When it passes, their signals are aborted and their
   * jobs released unacked for another worker. Default: wait for as long as they run.
   */
  readonly timeoutMs?: number;
}

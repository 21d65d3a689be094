import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Clock } from '../clock/clock.js';
import type { Driver } from '../driver/driver.js';
import type { QueueTopology } from '../driver/queue-topology.js';
import type { InstrumentationSlot } from '../instrument/instrumentation.js';
import type { BackoffFunction } from '../policy/backoff.js';
import type { Serializer } from '../serialization/serializer.js';
import type { Logger } from './logger.js';

/** Everything a queue's send path and workers share: resolved once, at `broker.queue()`. */
export interface QueueRuntime<T> {
  readonly driver: Driver;
  readonly topology: QueueTopology;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly serializer: Serializer;
  readonly schema: StandardSchemaV1<unknown, T> | undefined;
  readonly backoff: BackoffFunction;
  readonly handlerTimeoutMs: number | undefined;
  /** The broker's instrumentation (tracing, metrics); `current` is undefined when none is installed. */
  readonly instrumentation: InstrumentationSlot;
  /** Wraps a native error once into the closed code set; PolyqueueErrors pass through. */
  wrapError(error: unknown, action: string): Error;
  /** Makes sure the queue exists (when provisioning is on). Memoized per broker and queue. */
  ensureProvisioned(): Promise<void>;
  /** Throws ClosedError when the broker is closed. */
  assertOpen(operation: string): void;
  /** Called by a worker when it has closed. */
  forget(worker: ManagedWorker): void;
  /** Called when a worker starts. */
  remember(worker: ManagedWorker): void;
}

/** What the broker needs of its workers: a graceful close, and a halt for simulated crashes. */
export interface ManagedWorker {
  close(options?: { timeoutMs?: number }): Promise<void>;
  halt(): void;
}

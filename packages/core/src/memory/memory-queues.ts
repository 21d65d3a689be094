import type { Clock } from '../clock/clock.js';
import type { MemoryMessage } from './memory-message.js';
import type { MemoryQueue } from './memory-queue.js';

/**
 * What a connection (MemoryDriver) reaches of its MemoryServer: the queues, the server's limits
 * and its clock. An interface of its own so that the driver never imports the server, which
 * imports the driver to hand out connections.
 */
export interface MemoryQueues {
  readonly clock: Clock;
  readonly maxMessageBytes: number;
  readonly maxNativeDelayMs: number;
  readonly dedupWindowMs: number;
  /** True when every send is logged for the test helpers (`recordSends`). */
  readonly recordsSends: boolean;
  queue(name: string): MemoryQueue | undefined;
  queueNames(): string[];
  /** Creates the queue if needed (idempotent). */
  create(name: string): MemoryQueue;
  /** Remembers `name` as a work queue polyqueue provisioned (for `broker.queues()`). */
  markWorkQueue(name: string): void;
  /** The work queues provisioned so far, dead-letter queues not included. */
  workQueueNames(): string[];
  /** Logs a send for the test helpers; a no-op unless `recordsSends`. */
  recordSend(queue: string, message: MemoryMessage): void;
}

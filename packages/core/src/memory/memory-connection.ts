import type { MemoryQueue } from './memory-queue.js';
import type { MemoryQueues } from './memory-queues.js';

/**
 * What receivers, deliveries and the dead-letter store need of the connection they came from
 * (MemoryDriver): an interface of its own, so that none of them imports the driver that creates
 * them. A connection is also the owner of the deliveries it takes.
 */
export interface MemoryConnection {
  readonly server: MemoryQueues;
  /** False once closed or abandoned: settlements from this connection are then no-ops. */
  readonly alive: boolean;
  /** The queue, or a NotFound MemoryBrokerError; Unavailable once the connection is closed. */
  queueOrThrow(name: string): MemoryQueue;
}

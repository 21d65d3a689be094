import type { Delivery } from './delivery.js';

export interface ReceiverOptions {
  /** The lease each delivery starts with. */
  readonly leaseMs: number;
  /**
   * The most deliveries the worker will hold unsettled at once (concurrency + prefetch). A
   * push-based driver sets its broker-side flow control (AMQP prefetch, Pub/Sub maxMessages,
   * Service Bus maxConcurrentCalls) to this, so the bound holds on the wire, not only in memory.
   */
  readonly maxUnsettled: number;
}

/**
 * A stream of deliveries for one worker. Pull brokers (SQS, NATS) fetch on `receive`; push
 * brokers (AMQP, Pub/Sub streaming pull, Service Bus) buffer what the broker pushes, within
 * `maxUnsettled`, and hand it out on `receive`.
 *
 * Contract for drivers:
 * - `receive(max)` resolves with at most `max` deliveries. It may wait (long poll) while nothing
 *   is available, but must resolve with `[]` within about a second after `signal` aborts.
 * - It is never called concurrently with itself.
 * - It rejects only on errors; the core backs off and calls it again. Reconnecting after a
 *   dropped connection is the driver's job, and deliveries from a dead connection must never be
 *   acked on a new one: their settlements become no-ops, and the broker redelivers them.
 * - `close()` stops taking new messages; deliveries already handed out stay settleable.
 */
export interface Receiver {
  receive(max: number, signal: AbortSignal): Promise<readonly Delivery[]>;
  close(): Promise<void>;
}

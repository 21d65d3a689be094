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
  /**
   * Core keeps the lease of a delivery this receiver holds back: received from the broker but not
   * yet handed out by `receive` (SQS FIFO: a message waiting behind its group's current one). The
   * schedule is the worker's own, on the runtime's clock: `delivery.extendLease(leaseMs)` once half
   * a lease or less is left, a failure reported as the worker's 'error'. Call it right after the
   * broker handed the delivery over. It returns the function that stops keeping it: call that when
   * the receiver gives the delivery back or settles it itself. Handing it out through `receive`
   * stops it too (the worker then keeps the lease as its own, from the same expiry), and so does
   * the worker's close. A no-op when the lease does not expire or cannot be extended.
   *
   * Always given by the core's worker; absent only when a test drives a receiver by hand, in which
   * case the receiver keeps no held-back lease.
   */
  readonly keepLease?: (delivery: Delivery) => () => void;
}

/**
 * How a receiver prefers to be asked for deliveries. The worker reads it once, right after
 * `Driver.receiver()`, and decides its refill point from it: the free room (unsettled deliveries
 * below `maxUnsettled`) at which it calls `receive` again while its buffered deliveries keep every
 * handler slot busy. A worker whose buffer is empty always calls `receive` with any room at all.
 *
 * Refill point = `refillAt` when given; else the smaller of `preferred` and half the prefetch;
 * at least 1, at most `maxUnsettled`.
 */
export interface ReceiveBatching {
  /**
   * How many deliveries one `receive` brings at best (SQS: 10 per ReceiveMessage). A refill as
   * soon as this much room is free keeps every call full without waiting for half the prefetch.
   */
  readonly preferred?: number;
  /** The refill point itself, overriding the rule above (e.g. matching a native client's own). */
  readonly refillAt?: number;
}

/**
 * A stream of deliveries for one worker. Pull brokers (SQS, NATS) fetch on `receive`; push
 * brokers (AMQP, Pub/Sub streaming pull, Service Bus) buffer what the broker pushes, within
 * `maxUnsettled`, and hand it out on `receive`.
 *
 * Contract for drivers:
 * - `receive(max)` resolves with at most `max` deliveries. It may wait (long poll) while nothing
 *   is available, but must resolve with `[]` within about a second after `signal` aborts.
 * - It is never called concurrently with itself. The worker decides when to call it (see
 *   `ReceiveBatching`): a receiver keeps no refill threshold of its own.
 * - It rejects only on errors; the core backs off and calls it again. Reconnecting after a
 *   dropped connection is the driver's job, and deliveries from a dead connection must never be
 *   acked on a new one: their settlements become no-ops, and the broker redelivers them.
 * - Deliveries it holds back are leased through `ReceiverOptions.keepLease`, never by a timer of
 *   its own.
 * - `close()` stops taking new messages; deliveries already handed out stay settleable.
 */
export interface Receiver {
  /** Read once by the worker after `Driver.receiver()`; absent means no preference. */
  readonly batching?: ReceiveBatching;
  receive(max: number, signal: AbortSignal): Promise<readonly Delivery[]>;
  close(): Promise<void>;
}

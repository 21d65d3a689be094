import type { DeadLetterRecord, JobMeta } from '../wire/job-meta.js';

/**
 * One received message, held by the worker until it is settled.
 *
 * Contract for drivers:
 * - Settlement is explicit. The core calls exactly one of `ack`, `retry`, `deadLetter` or
 *   `release`. A second settlement call must be a no-op that resolves, never a crash.
 * - Never ack on the driver's own initiative. A delivery that is not settled stays unacked until
 *   its lease expires or the connection drops, and then comes back (at-least-once).
 * - A settlement that fails rejects with the native error; the core maps it with
 *   `Driver.errorCode`. Do not retry it silently, except as part of reconnecting.
 * - Methods may be called concurrently for different deliveries.
 */
export interface Delivery {
  /** The serialized payload, exactly as sent. */
  readonly body: Uint8Array;
  /** User attributes, with every polyqueue header removed. */
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * The metadata the message carried. A foreign producer's message carries none: the driver then
   * fills `id` from the native message id and leaves the rest out; the core treats it as attempt 1.
   */
  readonly meta: Partial<JobMeta> & { readonly id: string };
  /**
   * How many times the broker has delivered this copy, counting this delivery (1-based). A broker
   * without a native count reports 1 and retries by republishing with a raised `attemptOffset`.
   */
  readonly deliveryCount: number;
  /** The native message object: the escape hatch. Each adapter documents its type. */
  readonly native: unknown;

  /**
   * The job succeeded: remove it from the broker. Returns undefined when the ack is done once this
   * returns, or is fire-and-forget by the broker's design (NATS's plain ack, the memory broker):
   * the worker then skips an await and a promise per job. A promise, when there is a reply to
   * wait for; either way a failure throws or rejects, and the job stays unsettled.
   */
  ack(): Promise<void> | undefined;
  /**
   * The attempt numbered `attempt` failed: make the job deliverable again no earlier than
   * `delayMs` from now, so that its next delivery counts as attempt `attempt + 1`. Must not block
   * other jobs while it waits, and must not lose the job if the process dies mid-way.
   *
   * "No earlier" holds everywhere, whatever happens in this process afterwards: a graceful close,
   * a receiver's close, a crash. The wait therefore lives on the broker (a scheduled or delayed
   * copy, a native redelivery delay), never only in process memory.
   *
   * On session brokers (Service Bus sessions, where a session lock keeps a key's jobs in order) the
   * job also keeps its place: its key stays blocked until the retry is delivered (rule O2), and a
   * graceful close must not release the held session so that the retry is delivered before its
   * backoff. A driver that holds the session in memory until the backoff passes must, on close,
   * leave the job so that the broker still delivers it no earlier than the backoff (e.g. a
   * scheduled copy, then complete the original), not abandon it for immediate redelivery.
   */
  retry(delayMs: number, attempt: number): Promise<void>;
  /**
   * Move the job to the queue's dead-letter queue with `record` attached, then remove it from the
   * work queue. Body and user attributes are kept unchanged.
   */
  deadLetter(record: DeadLetterRecord): Promise<void>;
  /**
   * Give the job back unstarted, deliverable at once (worker shutdown, prefetch not used).
   * Should not count as an attempt where the broker allows it.
   */
  release(): Promise<void>;
  /**
   * Push the lease out to `leaseMs` from now. Only called when `capabilities.lease.extendable`.
   *
   * Brokers that cannot choose a duration (NATS `AckWait` via `working()`, Service Bus
   * `renewMessageLock`) renew by their own fixed lease: the queue's lease as provisioned, which the
   * driver set from `QueueTopology.leaseMs` (NATS AckWait, Service Bus lockDuration). The core
   * always asks for the queue's `leaseMs` and calls again before half of it has passed, so a fixed
   * renewal of at least `leaseMs` keeps the contract; a driver may ignore `leaseMs` only then,
   * and documents so in its README's Characteristics table.
   */
  extendLease(leaseMs: number): Promise<void>;
}

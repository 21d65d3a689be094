import type { StatsField } from './queue-stats.js';

/**
 * What a driver can do, declared, never guessed. The same names are the conformance suite's
 * switches and the rows of each adapter README's "Characteristics" table.
 */
export interface Capabilities {
  /** Largest message the broker accepts: body plus user attributes, in bytes. */
  readonly maxMessageBytes: number;
  /** Most messages one `send` call may carry; the core chunks larger batches. */
  readonly maxBatchSize: number;
  /**
   * Longest delay the broker honours natively. Longer delays go through the driver's delay path
   * (hops or a forwarder); `Infinity` when the native mechanism has no limit.
   */
  readonly maxNativeDelayMs: number;
  /** Lease (visibility timeout) support. */
  readonly lease: LeaseCapability;
  /** Per-key ordering: one job per `orderingKey` at a time, in send order (rules O1, O2). */
  readonly ordering: boolean;
  /** Broker-side deduplication by `dedupId` within `windowMs` (rule U1); false when absent. */
  readonly dedup: false | { readonly windowMs: number };
  /** The broker moves crash-looping messages to the dead-letter queue itself. */
  readonly nativeDeadLetter: boolean;
  /**
   * The `QueueStats` counts `stats()` gives (rule Q4); the others are `undefined` there. Empty
   * when the broker can count nothing.
   */
  readonly stats: readonly StatsField[];
  /** `broker.queues()` lists the queues polyqueue provisioned on the broker (rule Q5). */
  readonly listQueues: boolean;
  /** How precisely the broker keeps time. */
  readonly timing: TimingCapability;
  /**
   * `send(payload, { transaction })`: the job is written inside the application's own database
   * transaction and exists only if it commits (the SQL adapter). Absent or false elsewhere, where
   * core rejects a `transaction` option with `UnsupportedFeatureError` before any I/O.
   */
  readonly transactions?: boolean;
}

export interface LeaseCapability {
  /**
   * True when the broker expires a lease on its own and redelivers (SQS, Pub/Sub, NATS, Service
   * Bus, memory). False when a delivery is held until ack or disconnect (RabbitMQ).
   */
  readonly expires: boolean;
  /** True when a lease can be extended while the handler runs. */
  readonly extendable: boolean;
  readonly minMs: number;
  readonly maxMs: number;
}

export interface TimingCapability {
  /** ε: deliveries may come this much before their due time, at most. */
  readonly granularityMs: number;
  /** Deliveries come no later than this after their due time, under light load. */
  readonly toleranceMs: number;
}

import type { Capabilities } from '@polyqueue/core/driver';
import { maxCascadeDelayMs } from './amqp-names.js';
import type { AmqpOptions } from './amqp-options.js';

/**
 * ε. TTL expiry is kept in whole milliseconds per cascade level, so a delivery can be a hair
 * early; a message due within ε is handed out rather than sent round the cascade again.
 */
export const GRANULARITY_MS = 5;
/** Each cascade level a delay passes adds about 2 ms; 32 levels and a loaded host fit in this. */
const TOLERANCE_MS = 250;
/** Messages per `send` call: publishes are pipelined on one confirm channel, then awaited. */
const MAX_BATCH = 1_000;
/** setTimeout's ceiling: RabbitMQ holds a delivery until ack or channel close, not for a lease. */
const MAX_LEASE_MS = 2 ** 31 - 1;

/** What a RabbitMQ driver with these options can do. */
export function amqpCapabilities(options: AmqpOptions): Capabilities {
  return {
    maxMessageBytes: options.maxMessageBytes,
    maxBatchSize: MAX_BATCH,
    maxNativeDelayMs: maxCascadeDelayMs(options.delayLevels),
    lease: { expires: false, extendable: false, minMs: 1, maxMs: MAX_LEASE_MS },
    ordering: false,
    dedup: false,
    nativeDeadLetter: options.queueType === 'quorum',
    // Passive declares count ready messages; only the management API counts unacknowledged ones.
    // Delayed jobs wait in the delay cascade every queue of the prefix shares: not countable.
    stats:
      options.managementUrl === undefined ? ['ready', 'deadLettered'] : ['ready', 'inFlight', 'deadLettered'],
    listQueues: options.managementUrl !== undefined,
    timing: { granularityMs: GRANULARITY_MS, toleranceMs: TOLERANCE_MS },
  };
}

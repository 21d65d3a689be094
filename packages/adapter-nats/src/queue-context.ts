import type { QueueTopology } from '@polyqueue/core/driver';
import type { NatsClient } from './nats-client.js';
import { type QueueNames, queueNames } from './nats-names.js';
import type { NatsSettings } from './nats-options.js';

/** What the receiver, deliveries, forwarder and dead-letter store of one queue share. */
export interface QueueContext {
  readonly client: NatsClient;
  readonly topology: QueueTopology;
  readonly names: QueueNames;
  /** The dead-letter queue is a queue of its own: same shape, its own names. */
  readonly deadLetterNames: QueueNames;
  readonly settings: NatsSettings;
  readonly now: () => number;
  /** False once the driver closed or was abandoned: settlements are then no-ops. */
  readonly alive: () => boolean;
}

export function queueContext(
  base: Omit<QueueContext, 'topology' | 'names' | 'deadLetterNames'>,
  topology: QueueTopology,
): QueueContext {
  const prefix = base.settings.streamPrefix;
  return {
    ...base,
    topology,
    names: queueNames(prefix, topology.name),
    deadLetterNames: queueNames(prefix, topology.deadLetterName),
  };
}

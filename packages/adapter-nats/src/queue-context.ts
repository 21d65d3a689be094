import type { BackgroundErrors, Clock, QueueTopology } from '@polyqueue/core/driver';
import type { NatsClient } from './nats-client.js';
import { type QueueNames, queueNames } from './nats-names.js';
import type { NatsSettings } from './nats-options.js';

/** What the receiver, deliveries, forwarder, copier and dead-letter store of one queue share. */
export interface QueueContext {
  readonly client: NatsClient;
  readonly topology: QueueTopology;
  readonly names: QueueNames;
  /** The dead-letter queue is a queue of its own: same shape, its own names. */
  readonly deadLetterNames: QueueNames;
  readonly settings: NatsSettings;
  readonly clock: Clock;
  /** False once the driver closed or was abandoned: settlements are then no-ops. */
  readonly alive: () => boolean;
  /** The driver's one channel for errors of work no caller awaits (`Driver.reportErrorsTo`). */
  readonly errors: BackgroundErrors;
  /** Reports an error of this queue's background work to `errors`, naming the queue. Never throws. */
  readonly report: (action: string, error: unknown) => void;
}

/** What every queue of a driver shares. */
export interface DriverBase {
  readonly client: NatsClient;
  readonly settings: NatsSettings;
  readonly clock: Clock;
  readonly alive: () => boolean;
  readonly errors: BackgroundErrors;
}

export function queueContext(base: DriverBase, topology: QueueTopology): QueueContext {
  const prefix = base.settings.streamPrefix;
  const { errors } = base;
  return {
    ...base,
    report: (action, error) => errors.report(action, error, topology.name),
    topology,
    names: queueNames(prefix, topology.name),
    deadLetterNames: queueNames(prefix, topology.deadLetterName),
  };
}

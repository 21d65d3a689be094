import type { BackgroundError, QueueTopology } from '@polyqueue/core/driver';
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
  /**
   * Reports an error of this queue's background work (no caller awaits it) to the broker's error
   * event, through the sink core gave the driver (`reportErrorsTo`). Never throws.
   */
  readonly report: (action: string, error: unknown) => void;
}

/** What every queue of a driver shares; `report` takes the logical queue name. */
export interface DriverBase {
  readonly client: NatsClient;
  readonly settings: NatsSettings;
  readonly now: () => number;
  readonly alive: () => boolean;
  readonly report?: (report: BackgroundError) => void;
}

export function queueContext(base: DriverBase, topology: QueueTopology): QueueContext {
  const prefix = base.settings.streamPrefix;
  const sink = base.report;
  return {
    client: base.client,
    settings: base.settings,
    now: base.now,
    alive: base.alive,
    report: (action, error) => sink?.({ action, queue: topology.name, error }),
    topology,
    names: queueNames(prefix, topology.name),
    deadLetterNames: queueNames(prefix, topology.deadLetterName),
  };
}

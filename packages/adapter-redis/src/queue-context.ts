import type { Clock, QueueTopology } from '@polyqueue/core/driver';
import type { RedisClient } from './redis-client.js';
import { type QueueKeys, queueKeys } from './redis-names.js';
import type { RedisSettings } from './redis-options.js';

/** What the receiver, deliveries, forwarder and dead-letter store of one queue share. */
export interface QueueContext {
  readonly client: RedisClient;
  readonly topology: QueueTopology;
  readonly keys: QueueKeys;
  readonly settings: RedisSettings;
  readonly clock: Clock;
  /** The longest BLOCK a receiver's read may ask for. */
  readonly maxBlockMs: number;
  /** False once the driver closed or was abandoned: settlements are then no-ops. */
  readonly alive: () => boolean;
  /** Reports an error of this queue's background work to the broker's error event. Never throws. */
  readonly report: (action: string, error: unknown) => void;
}

/** What every queue of a driver shares. */
export interface DriverBase {
  readonly client: RedisClient;
  readonly settings: RedisSettings;
  readonly clock: Clock;
  readonly maxBlockMs: number;
  readonly alive: () => boolean;
  readonly report: (action: string, error: unknown, queue?: string) => void;
}

export function queueContext(base: DriverBase, topology: QueueTopology): QueueContext {
  return {
    ...base,
    topology,
    keys: queueKeys(base.settings.keyPrefix, topology.name),
    report: (action, error) => base.report(action, error, topology.name),
  };
}

import type { Clock, QueueTopology, Wakeup } from '@polyqueue/core/driver';
import type { Dialect } from './dialect.js';
import type { SqlExecutor } from './sql-executor.js';
import type { SqlSettings } from './sql-options.js';

/** What the receiver, deliveries and dead-letter store of one queue share. */
export interface QueueContext {
  readonly executor: SqlExecutor;
  readonly dialect: Dialect;
  readonly topology: QueueTopology;
  readonly settings: SqlSettings;
  readonly clock: Clock;
  /** Resolves once the schema is migrated (every statement waits for it). */
  readonly ready: () => Promise<void>;
  /** Woken when a job of this queue may have become fetchable (a send, a settlement, a NOTIFY). */
  readonly wakeup: Wakeup;
  /** False once the driver closed or was abandoned: settlements are then no-ops. */
  readonly alive: () => boolean;
  /** Runs a rendered template. */
  readonly run: (template: string, params?: readonly unknown[]) => ReturnType<SqlExecutor['all']>;
  /** Wakes this queue's receivers everywhere (after `tx` commits, when given). */
  readonly notify: (tx?: { all: SqlExecutor['all'] }) => Promise<void>;
}

export interface DriverBase {
  readonly executor: SqlExecutor;
  readonly dialect: Dialect;
  readonly settings: SqlSettings;
  readonly clock: Clock;
  readonly ready: () => Promise<void>;
  readonly wakeup: (queue: string) => Wakeup;
  readonly alive: () => boolean;
}

export function queueContext(base: DriverBase, topology: QueueTopology): QueueContext {
  const { executor, dialect } = base;
  return {
    ...base,
    topology,
    wakeup: base.wakeup(topology.name),
    run: (template, params) => executor.all(dialect.sql(template), params),
    notify: (tx) => executor.notify(topology.name, tx),
  };
}

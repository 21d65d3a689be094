import type { BackgroundErrors, Clock, QueueTopology } from '@polyqueue/core/driver';
import type { JobCopies } from './job-copies.js';
import type { MessageCalls } from './message-calls.js';
import type { QueueDirectory } from './queue-directory.js';
import type { QueueRef } from './queue-ref.js';
import type { SqsApi } from './sqs-api.js';
import type { UnstartedReceives } from './unstarted-receives.js';

/**
 * Pause after an empty short poll (`waitTimeSeconds` 0), so that an idle loop does not hammer SQS;
 * a long poll already waited.
 */
export const SHORT_POLL_IDLE_MS = 50;

/** What every queue of one driver shares. */
export interface DriverBase {
  readonly api: SqsApi;
  readonly fifo: boolean;
  /** Long-poll wait per receive, 0-20 s. */
  readonly waitTimeSeconds: number;
  /** Longest per-message `DelaySeconds` used, 1-900. */
  readonly maxNativeDelaySeconds: number;
  /** The wall clock (SQS keeps time by it: visibility and delays). */
  readonly clock: Clock;
  /** Where errors of work no caller awaits go: the broker's error event (`reportErrorsTo`). */
  readonly errors: BackgroundErrors;
  readonly directory: QueueDirectory;
  /** Retries republished, dead letters, forwarded and redriven jobs. */
  readonly copies: JobCopies;
  readonly calls: MessageCalls;
  /** Receives SQS counted that no handler used, credited back to each message's attempts. */
  readonly unstarted: UnstartedReceives;
  /** False once the driver closed or was abandoned: settlements are then no-ops. */
  readonly alive: () => boolean;
  /** Reports an error of work no caller awaits to the broker's error event. Never throws. */
  readonly report: (action: string, error: unknown, queue: string) => void;
  /** Starts a queue's background work (its delay forwarder); returns the release. */
  readonly openServices: (topology: QueueTopology) => () => void;
}

/**
 * What the receiver, deliveries, delay forwarder, dead-letter store and Lambda handler of one
 * queue share: the topology as the core defined it, its native queues, and the driver's calls.
 */
export interface QueueContext extends Omit<DriverBase, 'report' | 'openServices'> {
  readonly topology: QueueTopology;
  /** The work queue, resolved once (rejects with QueueNotFoundError naming it if it is missing). */
  readonly work: () => Promise<QueueRef>;
  readonly deadLetter: () => Promise<QueueRef>;
  readonly delay: () => Promise<QueueRef>;
  /** Reports an error of this queue's background work. Never throws. */
  readonly report: (action: string, error: unknown) => void;
  /** A receiver of this queue opened: runs its background work until the release is called. */
  readonly openServices: () => () => void;
}

export function queueContext(base: DriverBase, topology: QueueTopology): QueueContext {
  const { directory } = base;
  return {
    ...base,
    topology,
    work: () => directory.work(topology.name),
    deadLetter: () => directory.deadLetter(topology),
    delay: () => directory.delay(topology.name),
    report: (action, error) => base.report(action, error, topology.name),
    openServices: () => base.openServices(topology),
  };
}

import type { QueueTopology } from '../driver/queue-topology.js';
import { ConfigError } from '../errors/config-error.js';

/** The suffix of the core's default dead-letter queue names (`<queue>.dlq`). */
const DLQ_SUFFIX = '.dlq';

/**
 * The memory broker names queues exactly as given, so look-alike names (`a.b`, `a_b`, `a-b`) are
 * distinct queues (rule N1). One pair would share: a work queue `x.dlq` is the dead-letter queue of
 * `x`, so its workers would take x's dead letters as jobs and its own failures would land among
 * them. It is refused, as RabbitMQ's adapter refuses it, so that a test on memory fails where
 * production would.
 */
export function checkWorkQueueName(queue: QueueTopology): void {
  if (!queue.name.endsWith(DLQ_SUFFIX)) return;
  throw new ConfigError(
    `Queue name "${queue.name}" cannot be a work queue: names ending in "${DLQ_SUFFIX}" are kept for ` +
      `dead-letter queues, and this one is the dead-letter queue of "${queue.name.slice(0, -DLQ_SUFFIX.length)}" ` +
      '(read it with queue.deadLetters)',
  );
}

import { ErrorCode, type QueueStats } from '@polyqueue/core/driver';
import type { QueueContext } from './queue-context.js';
import type { QueueRef } from './queue-ref.js';
import { sqsErrorCode } from './sqs-errors.js';

const COUNTS = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesDelayed',
  'ApproximateNumberOfMessagesNotVisible',
] as const;

/**
 * Approximate counts: ready and in flight from the work queue, delayed from the work queue plus
 * everything in the delay queue (absent when never provisioned: nothing waits there), and every
 * count of the dead-letter queue.
 */
export async function queueStats(context: QueueContext): Promise<QueueStats> {
  const read = async (ref: Promise<QueueRef>) => {
    const { Attributes: a = {} } = await context.api.getQueueAttributes({
      QueueUrl: (await ref).url,
      AttributeNames: [...COUNTS],
    });
    // A count SQS did not return stays unknown: NaN here, undefined in the result, never 0.
    return COUNTS.map((name) => (a[name] === undefined ? Number.NaN : Number(a[name])));
  };
  const [work, dead, delay] = await Promise.all([
    read(context.work()),
    read(context.deadLetter()),
    read(context.delay()).catch((error: unknown) => {
      if (sqsErrorCode(error) === ErrorCode.NotFound) return [0, 0, 0];
      throw error;
    }),
  ]);
  const sum = (counts: number[]) => known(counts.reduce((a, b) => a + b, 0));
  return {
    ready: known(work[0]!),
    delayed: sum([work[1]!, ...delay]),
    inFlight: known(work[2]!),
    deadLettered: sum(dead),
  };
}

function known(count: number): number | undefined {
  return Number.isNaN(count) ? undefined : count;
}

import { sleep } from '@polyqueue/core/driver';
import type { QueueContext } from './queue-context.js';
import type { QueueRef } from './queue-ref.js';

const POLL_MS = 250;
const RATE_PER_SECOND = 500;
/** How long SQS may take to list a task it has just started before the redrive gives up. */
const LIST_DEADLINE_MS = 30_000;

/**
 * Redrive by SQS itself: `StartMessageMoveTask` from the dead-letter queue back to the work
 * queue, then resolves with how many messages it moved once the task is over. Our dead letters
 * carry attempt offset 0 and no delay, so moved jobs restart at attempt 1. Its task is the newest
 * listed for the queue: SQS runs one task per source queue at a time, and lists a task's handle
 * only while it runs, so the handle cannot tell a finished task apart.
 */
export async function moveAll(context: QueueContext, dlq: QueueRef): Promise<number> {
  const work = await context.work();
  await context.api.startMessageMoveTask({
    SourceArn: dlq.arn,
    DestinationArn: work.arn,
    MaxNumberOfMessagesPerSecond: RATE_PER_SECOND,
  });
  const listDeadline = context.clock.now() + LIST_DEADLINE_MS;
  for (;;) {
    await sleep(context.clock, POLL_MS);
    const { Results = [] } = await context.api.listMessageMoveTasks({ SourceArn: dlq.arn, MaxResults: 1 });
    const task = Results[0];
    if (task === undefined) {
      if (context.clock.now() > listDeadline)
        throw new Error(`SQS did not list the message move task it started on ${dlq.name}`);
      continue;
    }
    // A running task moves on at its rate: it ends, and is waited for, however many letters there are.
    if (task.Status === 'RUNNING' || task.Status === 'CANCELLING') continue;
    if (task.Status === 'FAILED')
      throw new Error(`SQS message move task failed: ${task.FailureReason ?? 'unknown reason'}`);
    return task.ApproximateNumberOfMessagesMoved ?? 0;
  }
}

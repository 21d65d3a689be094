import assert from 'node:assert/strict';
import type { Broker } from '@polyqueue/core';
import { JobLog } from './observe.js';
import type { TestScope } from './scope.js';

/** What the broker must show for a queue once a worker or broker has closed (F3, F4). */
export interface ExpectedBrokerState {
  /** Jobs whose handlers completed: acked, so no consumer may ever get them again. */
  readonly gone: Iterable<string>;
  /** Jobs that did not complete: released, so a new consumer gets each of them, once. */
  readonly deliverable: Iterable<string>;
  /** The lease the closed worker's queue used: a lost ack on a leasing broker shows after it. */
  readonly leaseMs: number;
  /** How soon the deliverable jobs must reach the new consumer. */
  readonly deliverWithinMs: number;
  /**
   * Connections to close once the deliverable jobs have arrived, before watching for the gone
   * ones: a RabbitMQ channel that closes hands its unacked messages back, so an ack that never
   * reached the broker shows only then. Closing them afterwards also proves that the release
   * did not depend on the connection going away.
   */
  readonly thenClose?: readonly Broker[];
}

/**
 * Checks, from the broker's side, what a close left behind: a new connection and a new worker
 * (a fresh process, as far as the broker can tell) must get every job that did not complete,
 * and none that did, over a window long enough for a lost ack to show however the broker
 * reveals it: at once when a connection closes (RabbitMQ), or when the lease runs out (SQS,
 * Pub/Sub, NATS). A `completed` event is no proof of an ack: only the broker is.
 */
export async function assertBrokerState(
  scope: TestScope,
  name: string,
  expected: ExpectedBrokerState,
): Promise<void> {
  const { ctx } = scope;
  const gone = new Set(expected.gone);
  const deliverable = new Set(expected.deliverable);
  const checker = await scope.connect();
  const log = new JobLog(ctx);
  scope
    .queue(checker, name, { leaseMs: expected.leaseMs })
    .process(log.handler, { concurrency: Math.max(4, deliverable.size) });
  const reappeared = () => [...gone].filter((id) => log.calls(id).length > 0);
  const failIfReappeared = () => {
    const ids = reappeared();
    assert.deepEqual(
      ids,
      [],
      `jobs that completed before close() resolved were delivered again by the broker (their acks were lost): ${ids.join(', ')}`,
    );
  };
  const missing = () => [...deliverable].filter((id) => log.calls(id).length === 0);
  await ctx
    .waitFor(
      'the jobs that did not complete to be delivered to a new consumer',
      () => missing().length === 0 || reappeared().length > 0,
      expected.deliverWithinMs,
    )
    .catch(() =>
      assert.fail(
        `jobs that did not complete were not delivered to a new consumer within ${expected.deliverWithinMs} ms: ${missing().join(', ')}`,
      ),
    );
  failIfReappeared();
  for (const broker of expected.thenClose ?? []) {
    await ctx.settle('the closed worker’s connection to close', broker.close(), ctx.ms(10_000));
  }
  // A lease that was extended just before close runs out at most one lease later, and the broker
  // may redeliver up to its declared tolerance after that.
  const watchMs = expected.leaseMs + ctx.tolerance + ctx.ms(1_000);
  await ctx.quietPeriod(watchMs, failIfReappeared);
  for (const id of deliverable) {
    assert.equal(log.calls(id).length, 1, `released job ${id} was delivered ${log.calls(id).length} times`);
  }
}

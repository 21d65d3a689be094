import assert from 'node:assert/strict';
import type { Backoff, Job } from '@polyqueue/core';
import { type Emitted, JobLog, recordEvents, type Seen } from '../observe.js';
import type { TestScope } from '../scope.js';
import type { RuleRegistry } from '../skip.js';
import { assertNotEarly, assertOnTime, deadlineFor } from '../timing.js';

/** What a job that fails every attempt went through. */
interface FailureRun {
  /** Handler starts, one per attempt. */
  readonly starts: Seen<unknown>[];
  /** `retrying` events: what the core decided after each failed attempt but the last. */
  readonly retries: Emitted<[Job<unknown>, Error, { delayMs: number; nextAttempt: number }]>[];
}

/**
 * Sends one job whose handler always throws and waits until it is dead-lettered.
 * Backoff bounds: the next attempt starts no earlier than the failed one's start plus the backoff
 * (the retry is settled after the handler started), and no later than the `retrying` event
 * (emitted after the retry was settled) plus the backoff.
 */
async function failEveryAttempt(
  scope: TestScope,
  maxAttempts: number,
  backoff: Backoff,
  total: number,
): Promise<FailureRun> {
  const { ctx } = scope;
  const queue = scope.queue(await scope.connect(), ctx.queueName('retry'), { maxAttempts, backoff });
  const log = new JobLog(ctx);
  const worker = queue.process((job) => {
    log.record(job);
    throw new Error(`attempt ${job.attempt} fails on purpose`);
  });
  const retries = recordEvents(ctx, worker, 'retrying');
  let deadLettered = false;
  worker.on('dead-lettered', () => {
    deadLettered = true;
  });
  await queue.send({ fails: 'always' });
  await ctx.waitFor('the job to use up its attempts', () => deadLettered, deadlineFor(ctx, total));
  return { starts: log.seen, retries };
}

function assertBackoffHonoured(
  scope: TestScope,
  run: FailureRun,
  expected: (attempt: number) => number,
): void {
  const { ctx } = scope;
  run.retries.forEach((retry, i) => {
    const attempt = i + 1;
    const delayMs = expected(attempt);
    const next = run.starts[i + 1]!;
    assertOnTime(ctx, `attempt ${attempt + 1}`, next.at, {
      earliest: run.starts[i]!.at + delayMs,
      latest: retry.at + delayMs,
    });
  });
}

/** R1–R2: attempts count up, and every kind of backoff is waited out, never cut short. */
export function retryRules(suite: RuleRegistry): void {
  const { ctx } = suite;

  suite.rule(
    'R1 a failing job comes back as attempt 1, 2, 3, each no earlier than its backoff minus ε',
    async (scope) => {
      const initialMs = ctx.ms(200);
      const run = await failEveryAttempt(
        scope,
        3,
        { type: 'exponential', initialMs, multiplier: 2 },
        initialMs * 3,
      );
      assert.deepEqual(
        run.starts.map((entry) => entry.job.attempt),
        [1, 2, 3],
      );
      assert.equal(
        new Set(run.starts.map((entry) => entry.job.id)).size,
        1,
        'every attempt carries the same job id',
      );
      for (let i = 1; i < run.starts.length; i++) {
        const backoff = initialMs * 2 ** (i - 1);
        assertNotEarly(ctx, `attempt ${i + 1}`, run.starts[i]!.at, run.starts[i - 1]!.at + backoff);
      }
    },
  );

  suite.rule('R2 fixed backoff is honoured within tolerance', async (scope) => {
    const delayMs = ctx.ms(250);
    const run = await failEveryAttempt(scope, 3, { type: 'fixed', delayMs }, delayMs * 2);
    assert.deepEqual(
      run.retries.map((retry) => retry.args[2].delayMs),
      [delayMs, delayMs],
    );
    assertBackoffHonoured(scope, run, () => delayMs);
  });

  suite.rule(
    'R2 exponential backoff grows by its multiplier up to its cap, within tolerance',
    async (scope) => {
      const initialMs = ctx.ms(100);
      const maxMs = ctx.ms(400);
      const expected = (attempt: number) => Math.min(maxMs, initialMs * 3 ** (attempt - 1));
      const run = await failEveryAttempt(
        scope,
        4,
        { type: 'exponential', initialMs, multiplier: 3, maxMs },
        maxMs * 3,
      );
      assert.deepEqual(
        run.retries.map((retry) => retry.args[2].delayMs),
        [1, 2, 3].map(expected),
      );
      assert.equal(expected(3), maxMs, 'the third backoff is the capped one');
      assertBackoffHonoured(scope, run, expected);
    },
  );

  suite.rule(
    'R2 exponential backoff with jitter stays within [0, ceiling], varies, and is honoured',
    async (scope) => {
      const initialMs = ctx.ms(200);
      const maxMs = ctx.ms(300);
      const ceiling = (attempt: number) => Math.min(maxMs, initialMs * 2 ** (attempt - 1));
      const backoff: Backoff = { type: 'exponential', initialMs, maxMs, jitter: true };
      // Five retries: the last four share one ceiling, so without jitter they would be equal.
      const run = await failEveryAttempt(scope, 6, backoff, maxMs * 5);
      assert.equal(run.retries.length, 5);
      const delays = run.retries.map((retry) => retry.args[2].delayMs);
      delays.forEach((delayMs, i) => {
        assert.ok(
          delayMs >= 0 && delayMs <= ceiling(i + 1),
          `jittered backoff ${delayMs} outside [0, ${ceiling(i + 1)}]`,
        );
      });
      const underTheCap = delays.slice(1);
      assert.ok(
        new Set(underTheCap).size > 1,
        `four jittered backoffs under one ceiling were all ${underTheCap[0]} ms: nothing varies`,
      );
      assert.ok(
        delays.some((delayMs, i) => delayMs !== ceiling(i + 1)),
        `every jittered backoff equals its ceiling (${delays.join(', ')} ms): no jitter`,
      );
      assertBackoffHonoured(scope, run, (attempt) => delays[attempt - 1]!);
    },
  );

  suite.rule(
    'R2 a custom backoff function gets the attempt and error, and its delay is honoured',
    async (scope) => {
      const unit = ctx.ms(150);
      const calls: [number, string][] = [];
      const custom = (attempt: number, error: Error) => {
        calls.push([attempt, error.message]);
        return attempt * unit;
      };
      const run = await failEveryAttempt(scope, 3, custom, unit * 3);
      assert.deepEqual(calls, [
        [1, 'attempt 1 fails on purpose'],
        [2, 'attempt 2 fails on purpose'],
      ]);
      assertBackoffHonoured(scope, run, (attempt) => attempt * unit);
    },
  );
}

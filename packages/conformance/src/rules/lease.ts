import assert from 'node:assert/strict';
import { HandlerTimeoutError, type Job, sleep } from '@polyqueue/core';
import { JobLog, recordEvents } from '../observe.js';
import type { RuleRegistry } from '../skip.js';
import { assertOnTime, deadlineFor } from '../timing.js';

/**
 * L1–L4: the lease. While a handler runs, its job is nobody else's; when its consumer dies, the
 * job comes back after about one lease; a handler that overruns its timeout is stopped.
 */
export function leaseRules(suite: RuleRegistry): void {
  const { ctx } = suite;
  const { lease } = ctx.capabilities;
  // A lease that expires but cannot be extended cannot keep a long handler's job to itself. A
  // lease that never expires (held until ack or disconnect) keeps it by nature.
  const keepsLongJobs = { capability: 'lease.extendable', present: lease.extendable || !lease.expires };

  suite.rule(
    'L1 while a handler runs past its lease, no other consumer receives the job',
    async (scope) => {
      const leaseMs = ctx.leaseMs(1_000);
      const name = ctx.queueName('l1');
      const first = await scope.connect();
      const second = await scope.connect();
      const log = new JobLog(ctx);
      const slow = async (job: Job<unknown>, { signal }: { signal: AbortSignal }) => {
        log.record(job);
        await sleep(first.clock, Math.round(leaseMs * 2.5), signal);
      };
      const queue = scope.queue(first, name, { leaseMs });
      const worker = queue.process(slow);
      const completed = recordEvents(ctx, worker, 'completed');
      await queue.send({ long: true });
      await ctx.waitFor('the first consumer to take the job', () => log.count >= 1, ctx.ms(5_000));
      // The second consumer starts only now, so it is polling for the whole time the job is held.
      scope.queue(second, name, { leaseMs }).process(log.handler, { concurrency: 4 });
      await ctx.waitFor(
        'the slow handler to complete',
        () => completed.length >= 1,
        deadlineFor(ctx, leaseMs * 3),
      );
      await ctx.quietPeriod(leaseMs);
      assert.equal(log.count, 1, 'the job was delivered again while (or after) its handler ran');
    },
    { requires: keepsLongJobs },
  );

  suite.rule(
    'L2 a handler that runs for three leases completes once, with no redelivery',
    async (scope) => {
      const leaseMs = ctx.leaseMs(1_000);
      const broker = await scope.connect();
      const queue = scope.queue(broker, ctx.queueName('l2'), { leaseMs });
      const log = new JobLog(ctx);
      // Room for four handlers: a redelivery to this same worker would run beside the first.
      const worker = queue.process(
        async (job, { signal }) => {
          log.record(job);
          await sleep(broker.clock, leaseMs * 3, signal);
        },
        { concurrency: 4 },
      );
      const completed = recordEvents(ctx, worker, 'completed');
      const id = await queue.send({ long: true });
      await ctx.waitFor(
        'the handler to complete',
        () => completed.length >= 1,
        deadlineFor(ctx, leaseMs * 4),
      );
      await ctx.quietPeriod(leaseMs);
      assert.equal(log.count, 1, 'the job was redelivered');
      assert.equal(completed.length, 1, 'the job completed more than once');
      assert.equal(completed[0]!.args[0].id, id);
    },
    { requires: keepsLongJobs },
  );

  suite.rule(
    'L3 a job whose consumer crashes comes back after about one lease, as attempt 2',
    async (scope) => {
      const leaseMs = ctx.leaseMs(1_000);
      const name = ctx.queueName('l3');
      const doomed = await scope.connect();
      const doomedQueue = scope.queue(doomed, name, { leaseMs });
      const id = await doomedQueue.send({ crash: 'me' });
      const taken = new JobLog(ctx);
      // Stamped before the consumer starts: no earlier than the moment its lease began.
      const beforeTake = ctx.now();
      doomedQueue.process((job) => {
        taken.record(job);
        return new Promise<never>(() => {}); // never settles: the process dies holding it
      });
      await ctx.waitFor('the first consumer to take the job', () => taken.count >= 1, ctx.ms(5_000));
      await scope.crash(doomed);
      const survivor = await scope.connect();
      const back = new JobLog(ctx);
      scope.queue(survivor, name, { leaseMs }).process(back.handler);
      await ctx.waitFor('the job to come back', () => back.count >= 1, deadlineFor(ctx, leaseMs * 2));
      const first = taken.seen[0]!;
      const again = back.seen[0]!;
      assert.equal(first.job.attempt, 1);
      assert.equal(again.job.id, id);
      assert.equal(again.job.attempt, 2, 'the unsettled delivery counts as an attempt');
      if (lease.expires) {
        assertOnTime(ctx, 'the crashed job', again.at, {
          earliest: beforeTake + leaseMs,
          latest: first.at + leaseMs,
        });
      }
    },
  );

  suite.rule(
    'L4 a handler that exceeds handlerTimeoutMs fails the attempt and its signal is aborted',
    async (scope) => {
      const timeoutMs = ctx.ms(300);
      const broker = await scope.connect();
      const queue = scope.queue(broker, ctx.queueName('l4'), {
        handlerTimeoutMs: timeoutMs,
        maxAttempts: 2,
        backoff: { type: 'fixed', delayMs: ctx.ms(100) },
        leaseMs: ctx.leaseMs(2_000),
      });
      const log = new JobLog(ctx);
      let firstSignal: AbortSignal | undefined;
      const worker = queue.process(async (job, { signal }) => {
        log.record(job);
        if (job.attempt > 1) return;
        firstSignal = signal;
        // Returns normally once aborted: a late "success" must not turn the timed-out attempt into one.
        await sleep(broker.clock, ctx.ms(10_000), signal).catch(() => undefined);
      });
      const failed = recordEvents(ctx, worker, 'failed');
      const completed = recordEvents(ctx, worker, 'completed');
      const sentAt = ctx.now();
      await queue.send({ slow: true });
      await ctx.waitFor(
        'the retried attempt to complete',
        () => completed.length >= 1,
        deadlineFor(ctx, ctx.ms(400)),
      );
      assert.equal(failed.length, 1, 'exactly one attempt failed');
      const [job, error] = failed[0]!.args;
      assert.equal(job.attempt, 1);
      assert.ok(error instanceof HandlerTimeoutError, `expected HandlerTimeoutError, got ${String(error)}`);
      assert.ok(firstSignal?.aborted, "the timed-out handler's signal was not aborted");
      assertOnTime(ctx, 'the handler timeout', failed[0]!.at, {
        earliest: sentAt + timeoutMs,
        latest: log.seen[0]!.at + timeoutMs,
      });
      assert.equal(completed.length, 1);
      assert.equal(completed[0]!.args[0].attempt, 2, 'the timed-out attempt must not count as a success');
    },
  );
}

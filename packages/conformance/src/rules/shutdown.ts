import assert from 'node:assert/strict';
import { ClosedError, sleep } from '@polyqueue/core';
import { assertBrokerState } from '../broker-state.js';
import { Gate, JobLog, recordEvents } from '../observe.js';
import type { RuleRegistry } from '../skip.js';

/** F3, F4, F7: graceful close, close with a timeout, and what happens after close. */
export function shutdownRules(suite: RuleRegistry): void {
  const { ctx } = suite;

  suite.rule(
    'F3 worker.close() stops taking jobs, hands prefetched ones to another worker at once, waits for running handlers; the broker then holds none of them',
    async (scope) => {
      // Released jobs must reach the other worker well inside this; lease expiry would take all of it.
      const leaseMs = ctx.leaseMs(4_000);
      const name = ctx.queueName('f3');
      const brokerA = await scope.connect();
      const queueA = scope.queue<{ n: number }>(brokerA, name, { leaseMs });
      await queueA.sendBatch([0, 1, 2].map((n) => ({ payload: { n } })));
      const startedA = new JobLog(ctx);
      let finishedAt: number | undefined;
      const workerA = queueA.process(
        async (job, { signal }) => {
          startedA.record(job);
          await sleep(brokerA.clock, ctx.ms(1_000), signal);
          finishedAt = ctx.now();
        },
        { concurrency: 1, prefetch: 2 },
      );
      const completedA = recordEvents(ctx, workerA, 'completed');
      await ctx.waitFor('the first worker to start a job', () => startedA.count >= 1, ctx.ms(5_000));
      if (ctx.capabilities.stats.includes('inFlight')) {
        const prefetched = async () => (await queueA.stats()).inFlight === 3;
        await ctx.waitFor('the first worker to prefetch the other two jobs', prefetched, ctx.ms(2_000));
      }
      const startedB = new JobLog(ctx);
      const brokerB = await scope.connect();
      scope.queue<{ n: number }>(brokerB, name, { leaseMs }).process(startedB.handler, { concurrency: 4 });
      const closeCalledAt = ctx.now();
      const closed = workerA.close();
      let closedAt: number | undefined;
      // Failure is reported by settle() below; this only stamps when it happened.
      closed.then(
        () => {
          closedAt = ctx.now();
        },
        () => undefined,
      );
      const lateId = await queueA.send({ n: 3 });
      await ctx.waitFor(
        'the other worker to get the prefetched and the new jobs',
        () => startedB.count >= 3,
        leaseMs / 2,
      );
      for (const entry of startedB.seen) {
        const after = entry.at - closeCalledAt;
        assert.ok(
          after < leaseMs / 2,
          `job ${entry.job.id} reached the other worker ${after} ms after close()`,
        );
      }
      await ctx.settle('close() to resolve', closed, ctx.ms(5_000));
      // What a process does next when it shuts down: its acks must have reached the broker by now.
      await ctx.settle('the closed worker’s connection to close', brokerA.close(), ctx.ms(10_000));
      assert.equal(startedA.count, 1, 'the closing worker started another job');
      assert.equal(startedB.calls(lateId).length, 1, 'a job sent during close went to the other worker');
      assert.ok(
        finishedAt !== undefined && closedAt !== undefined,
        'the running handler finished and close() resolved',
      );
      assert.ok(closedAt >= finishedAt, 'close() resolved before its running handler finished');
      assert.equal(completedA.length, 1, "the running handler's job completed");
      await ctx.quietPeriod(ctx.ms(200));
      const handled = [...startedA.seen, ...startedB.seen].map((entry) => entry.job.id);
      assert.equal(handled.length, 4, 'every job handled exactly once');
      assert.equal(new Set(handled).size, 4, 'every job handled exactly once');
      // Every job completed, the one that finished during close() too: the broker must hold none.
      await ctx.settle('the other worker’s connection to close', brokerB.close(), ctx.ms(10_000));
      await assertBrokerState(scope, name, {
        gone: handled,
        deliverable: [],
        leaseMs,
        deliverWithinMs: leaseMs / 2,
      });
    },
    { budgetMs: 20_000 },
  );

  suite.rule(
    'F3 broker.close() waits for the running handler; the broker then holds its job no more and hands out the unstarted ones',
    async (scope) => {
      const leaseMs = ctx.leaseMs(4_000);
      const name = ctx.queueName('f3-broker');
      const brokerA = await scope.connect();
      const queueA = scope.queue<{ n: number }>(brokerA, name, { leaseMs });
      const ids = await Promise.all([0, 1, 2].map((n) => queueA.send({ n })));
      const started = new JobLog<{ n: number }>(ctx);
      let finishedAt: number | undefined;
      const worker = queueA.process(
        async (job, { signal }) => {
          started.record(job);
          await sleep(brokerA.clock, ctx.ms(500), signal);
          finishedAt = ctx.now();
        },
        { concurrency: 1, prefetch: 2 },
      );
      const completed = recordEvents(ctx, worker, 'completed');
      await ctx.waitFor('the worker to start a job', () => started.count >= 1, ctx.ms(5_000));
      if (ctx.capabilities.stats.includes('inFlight')) {
        const prefetched = async () => (await queueA.stats()).inFlight === 3;
        await ctx.waitFor('the worker to prefetch the other two jobs', prefetched, ctx.ms(2_000));
      }
      await ctx.settle('broker.close() to resolve', brokerA.close(), ctx.ms(5_000));
      const closedAt = ctx.now();
      assert.equal(started.count, 1, 'the closing worker started another job');
      assert.ok(
        finishedAt !== undefined && finishedAt <= closedAt,
        'broker.close() did not wait for the handler',
      );
      assert.equal(completed.length, 1, "the running handler's job completed");
      const runningId = started.seen[0]!.job.id;
      await assertBrokerState(scope, name, {
        gone: [runningId],
        deliverable: ids.filter((id) => id !== runningId),
        leaseMs,
        deliverWithinMs: leaseMs / 2,
      });
    },
    { budgetMs: 20_000 },
  );

  suite.rule(
    'F4 close({ timeoutMs }) aborts handlers still running at the timeout and releases their jobs unacked; one that finished in time is acked',
    async (scope) => {
      const leaseMs = ctx.leaseMs(4_000);
      const timeoutMs = ctx.ms(500);
      const name = ctx.queueName('f4');
      const brokerA = await scope.connect();
      const queueA = scope.queue<{ n: number }>(brokerA, name, { leaseMs });
      const started = new JobLog<{ n: number }>(ctx);
      const abortedAt = new Map<number, number>();
      const finishInTime = new Gate();
      const workerA = queueA.process(
        async (job, { signal }) => {
          started.record(job);
          const { n } = job.payload;
          signal.addEventListener('abort', () => abortedAt.set(n, ctx.now()), { once: true });
          if (n === 0) {
            // Completes while close() waits: its ack must reach the broker before close resolves.
            await finishInTime.opened;
            await sleep(brokerA.clock, ctx.ms(100), signal);
            return;
          }
          // Returns normally once aborted: that late "success" must not ack the job.
          await sleep(brokerA.clock, ctx.ms(30_000), signal).catch(() => undefined);
        },
        { concurrency: 3 },
      );
      const completed = recordEvents(ctx, workerA, 'completed');
      const ids = await Promise.all([0, 1, 2].map((n) => queueA.send({ n })));
      await ctx.waitFor('all three handlers to start', () => started.count >= 3, ctx.ms(5_000));
      const closeCalledAt = ctx.now();
      const closing = workerA.close({ timeoutMs });
      finishInTime.open();
      await ctx.settle('close({ timeoutMs }) to resolve', closing, ctx.ms(5_000));
      const closedAt = ctx.now();
      assert.equal(started.count, 3);
      assert.ok(!abortedAt.has(0), 'the handler that finished within the timeout had its signal aborted');
      for (const n of [1, 2]) {
        const at = abortedAt.get(n);
        assert.ok(at !== undefined, `the still-running handler ${n} had its signal aborted`);
        // The timeout is the core's own timer, not a broker delivery: no ε, no delivery tolerance.
        assert.ok(
          at >= closeCalledAt + timeoutMs - 1,
          `handler ${n} was aborted ${closeCalledAt + timeoutMs - at} ms before the close timeout`,
        );
      }
      // After the timeout, close() only stops receiving and releases: settlement round trips,
      // bounded by a nominal second, never by the broker's delivery tolerance.
      const latest = closeCalledAt + timeoutMs + ctx.ms(1_000) + ctx.step;
      assert.ok(
        closedAt <= latest,
        `close({ timeoutMs: ${timeoutMs} }) resolved ${closedAt - closeCalledAt} ms after it was called`,
      );
      assert.deepEqual(
        completed.map((event) => event.args[0].payload.n),
        [0],
        'only the handler that finished in time completed',
      );
      await assertBrokerState(scope, name, {
        gone: [ids[0]!],
        deliverable: ids.slice(1),
        leaseMs,
        deliverWithinMs: leaseMs / 2,
        thenClose: [brokerA],
      });
    },
    { budgetMs: 20_000 },
  );

  suite.rule('F7 close() is idempotent for workers and brokers', async (scope) => {
    const broker = await scope.connect();
    const queue = scope.queue(broker, ctx.queueName('f7-idempotent'));
    const log = new JobLog(ctx);
    const worker = queue.process(log.handler);
    await queue.send({ n: 1 });
    await ctx.waitFor('the job', () => log.count >= 1, ctx.ms(5_000));
    await ctx.settle(
      'two concurrent worker.close() calls',
      Promise.all([worker.close(), worker.close()]),
      ctx.ms(5_000),
    );
    await ctx.settle('a third worker.close()', worker.close(), ctx.ms(5_000));
    assert.equal(worker.isRunning, false);
    await ctx.settle(
      'two concurrent broker.close() calls',
      Promise.all([broker.close(), broker.close()]),
      ctx.ms(5_000),
    );
    await ctx.settle('a third broker.close()', broker.close(), ctx.ms(5_000));
    assert.equal(broker.closed, true);
  });

  suite.rule('F7 send, sendBatch, process and queue() after close fail with ClosedError', async (scope) => {
    const broker = await scope.connect();
    const queue = scope.queue(broker, ctx.queueName('f7-after-close'));
    const worker = queue.process(() => undefined);
    await ctx.settle('broker.close()', broker.close(), ctx.ms(5_000));
    assert.equal(worker.isRunning, false, 'closing the broker closes its workers');
    const isClosedError = (error: unknown) => {
      assert.ok(error instanceof ClosedError, `expected ClosedError, got ${String(error)}`);
      assert.match(error.message, /closed/i);
      return true;
    };
    await assert.rejects(queue.send({ late: true }), isClosedError);
    await assert.rejects(queue.sendBatch([{ payload: { late: true } }]), isClosedError);
    assert.throws(() => queue.process(() => undefined), isClosedError);
    assert.throws(() => broker.queue(ctx.queueName('f7-new')), isClosedError);
  });
}

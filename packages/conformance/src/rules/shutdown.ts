import assert from 'node:assert/strict';
import { ClosedError, sleep } from '@polyqueue/core';
import { JobLog, recordEvents } from '../observe.js';
import type { RuleRegistry } from '../skip.js';
import { assertOnTime } from '../timing.js';

/** F3, F4, F7: graceful close, close with a timeout, and what happens after close. */
export function shutdownRules(suite: RuleRegistry): void {
  const { ctx } = suite;

  suite.rule(
    'F3 close() stops taking jobs, hands prefetched ones to another worker at once, waits for running handlers',
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
      if (ctx.capabilities.stats) {
        const prefetched = async () => (await queueA.stats()).inFlight === 3;
        await ctx.waitFor('the first worker to prefetch the other two jobs', prefetched, ctx.ms(2_000));
      }
      const startedB = new JobLog(ctx);
      scope
        .queue<{ n: number }>(await scope.connect(), name, { leaseMs })
        .process(startedB.handler, { concurrency: 4 });
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
      assert.equal(startedA.count, 1, 'the closing worker started another job');
      assert.equal(startedB.calls(lateId).length, 1, 'a job sent during close went to the other worker');
      assert.ok(
        finishedAt !== undefined && closedAt !== undefined,
        'the running handler finished and close() resolved',
      );
      assert.ok(closedAt >= finishedAt, 'close() resolved before its running handler finished');
      assert.equal(completedA.length, 1, "the running handler's job was acked");
      await ctx.quietPeriod(ctx.ms(200));
      const handled = [...startedA.seen, ...startedB.seen].map((entry) => entry.job.id);
      assert.equal(handled.length, 4, 'every job handled exactly once');
      assert.equal(new Set(handled).size, 4, 'every job handled exactly once');
    },
  );

  suite.rule(
    'F4 close({ timeoutMs }) aborts still-running handlers and releases their jobs unacked',
    async (scope) => {
      const leaseMs = ctx.leaseMs(4_000);
      const timeoutMs = ctx.ms(300);
      const name = ctx.queueName('f4');
      const brokerA = await scope.connect();
      const queueA = scope.queue<{ n: number }>(brokerA, name, { leaseMs });
      const started = new JobLog(ctx);
      const signals: AbortSignal[] = [];
      const workerA = queueA.process(
        async (job, { signal }) => {
          started.record(job);
          signals.push(signal);
          // Returns normally once aborted: that late "success" must not ack the job.
          await sleep(brokerA.clock, ctx.ms(10_000), signal).catch(() => undefined);
        },
        { concurrency: 2 },
      );
      const completed = recordEvents(ctx, workerA, 'completed');
      const ids = new Set([await queueA.send({ n: 0 }), await queueA.send({ n: 1 })]);
      await ctx.waitFor('both handlers to start', () => started.count >= 2, ctx.ms(5_000));
      const closeCalledAt = ctx.now();
      await ctx.settle('close({ timeoutMs }) to resolve', workerA.close({ timeoutMs }), ctx.ms(5_000));
      assertOnTime(ctx, 'close({ timeoutMs })', ctx.now(), {
        earliest: closeCalledAt + timeoutMs,
        latest: closeCalledAt + timeoutMs,
      });
      assert.equal(signals.length, 2);
      assert.ok(
        signals.every((signal) => signal.aborted),
        'every still-running handler had its signal aborted',
      );
      const again = new JobLog(ctx);
      scope
        .queue<{ n: number }>(await scope.connect(), name, { leaseMs })
        .process(again.handler, { concurrency: 2 });
      await ctx.waitFor('both released jobs to be delivered again', () => again.count >= 2, leaseMs / 2);
      assert.deepEqual(again.ids(), ids, 'the released jobs are delivered again');
      assert.equal(completed.length, 0, 'nothing was acked');
    },
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

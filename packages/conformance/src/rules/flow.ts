import assert from 'node:assert/strict';
import { type Job, sleep } from '@polyqueue/core';
import { Gate, JobLog } from '../observe.js';
import type { RuleRegistry } from '../skip.js';
import { bulkTimeout } from './send.js';

/** F1, F2, F5, F6: how much a worker takes on, and that work is shared without loss or overlap. */
export function flowRules(suite: RuleRegistry): void {
  const { ctx } = suite;

  suite.rule(
    'F1 at most `concurrency` handlers run at once, and that many do when there is work',
    async (scope) => {
      const concurrency = 4;
      const broker = await scope.connect();
      const queue = scope.queue<{ n: number }>(broker, ctx.queueName('f1'));
      const done = new JobLog(ctx);
      let active = 0;
      let peak = 0;
      queue.process(
        async (job, { signal }) => {
          peak = Math.max(peak, ++active);
          try {
            await sleep(broker.clock, ctx.ms(200), signal);
          } finally {
            active--;
          }
          done.record(job);
        },
        { concurrency },
      );
      await queue.sendBatch(Array.from({ length: concurrency * 3 }, (_, n) => ({ payload: { n } })));
      await ctx.waitFor('every job', () => done.count >= concurrency * 3, ctx.ms(5_000));
      assert.equal(peak, concurrency, `peak concurrency was ${peak}, expected exactly ${concurrency}`);
    },
  );

  suite.rule(
    'F2 a worker holds at most concurrency + prefetch unsettled deliveries',
    async (scope) => {
      const concurrency = 2;
      const prefetch = 3;
      const bound = concurrency + prefetch;
      const total = 20;
      // Long enough that no lease expires during the test: what the second consumer gets, the
      // first one never held.
      const leaseMs = ctx.leaseMs(10_000);
      const name = ctx.queueName('f2');
      const gate = new Gate();
      const blocked = (log: JobLog) => async (job: Job<unknown>) => {
        log.record(job);
        await gate.opened;
      };
      const first = scope.queue<{ n: number }>(await scope.connect(), name, { leaseMs });
      await first.sendBatch(Array.from({ length: total }, (_, n) => ({ payload: { n } })));
      const startedFirst = new JobLog(ctx);
      first.process(blocked(startedFirst), { concurrency, prefetch });
      await ctx.waitFor(
        'the first worker to fill its handlers',
        () => startedFirst.count >= concurrency,
        ctx.ms(5_000),
      );
      if (ctx.capabilities.stats.includes('inFlight')) {
        // Give the worker time to over-fetch, if it would, while sampling what the broker sees.
        let peak = 0;
        const until = ctx.now() + ctx.ms(300);
        while (ctx.now() < until) {
          peak = Math.max(peak, (await first.stats()).inFlight ?? 0);
          await ctx.sleep(ctx.step);
        }
        assert.ok(peak >= concurrency, `stats saw ${peak} in flight while ${concurrency} handlers ran`);
        assert.ok(peak <= bound, `stats saw ${peak} deliveries in flight; the bound is ${bound}`);
      }
      // Everything the first worker does not hold is free: a second consumer must get all of it.
      const startedSecond = new JobLog(ctx);
      scope
        .queue<{ n: number }>(await scope.connect(), name, { leaseMs })
        .process(blocked(startedSecond), { concurrency: total, prefetch: 0 });
      await ctx.waitFor(
        `the second worker to get at least ${total - bound} jobs`,
        () => startedSecond.count >= total - bound,
        ctx.ms(2_000),
      );
      await ctx.quietPeriod(ctx.ms(200));
      assert.equal(
        startedFirst.count,
        concurrency,
        'the first worker started more handlers than its concurrency',
      );
      gate.open();
    },
    { budgetMs: 15_000 },
  );

  suite.rule(
    'F5 5,000 jobs at concurrency 16 are each handled exactly once',
    async (scope) => {
      const total = 5_000;
      const queue = scope.queue<{ n: number }>(await scope.connect(), ctx.queueName('f5'));
      const log = new JobLog<{ n: number }>(ctx);
      queue.process(
        async (job) => {
          log.record(job);
          // Yield, so that handlers really overlap rather than running back to back.
          await new Promise((resolve) => setImmediate(resolve));
        },
        { concurrency: 16 },
      );
      const results = await queue.sendBatch(Array.from({ length: total }, (_, n) => ({ payload: { n } })));
      const ids = new Set(
        results.map((result) => (result.ok ? result.id : assert.fail(String(result.error)))),
      );
      await ctx.waitFor(`${total} jobs`, () => log.count >= total, bulkTimeout(scope));
      await ctx.quietPeriod(ctx.ms(500));
      assert.equal(log.count, total, `${log.count - total} duplicate deliveries`);
      assert.deepEqual(log.ids(), ids);
    },
    { budgetMs: 60_000 },
  );

  suite.rule('F6 two workers on one queue share the work: every job handled, none by both', async (scope) => {
    const total = 200;
    const name = ctx.queueName('f6');
    const logs = [new JobLog<{ n: number }>(ctx), new JobLog<{ n: number }>(ctx)] as const;
    const queues = [];
    for (const log of logs) {
      const broker = await scope.connect();
      const queue = scope.queue<{ n: number }>(broker, name);
      queue.process(
        async (job, { signal }) => {
          log.record(job);
          await sleep(broker.clock, ctx.ms(20), signal);
        },
        { concurrency: 4 },
      );
      queues.push(queue);
    }
    const results = await queues[0]!.sendBatch(Array.from({ length: total }, (_, n) => ({ payload: { n } })));
    const ids = new Set(results.map((result) => (result.ok ? result.id : assert.fail(String(result.error)))));
    const handled = () => logs[0].count + logs[1].count;
    await ctx.waitFor(`${total} jobs`, () => handled() >= total, ctx.ms(10_000));
    await ctx.quietPeriod(ctx.ms(300));
    assert.equal(handled(), total, `${handled() - total} jobs were handled twice`);
    const [a, b] = [logs[0].ids(), logs[1].ids()];
    assert.deepEqual(new Set([...a, ...b]), ids, 'every job was handled');
    assert.deepEqual(
      [...a].filter((id) => b.has(id)),
      [],
      'no job was handled by both workers',
    );
    assert.ok(a.size > 0 && b.size > 0, `the work was not shared (${a.size} / ${b.size})`);
  });
}

import assert from 'node:assert/strict';
import { type Job, sleep } from '@polyqueue/core';
import { JobLog } from '../observe.js';
import type { TestScope } from '../scope.js';
import type { RuleRegistry } from '../skip.js';

interface Keyed {
  readonly key: string;
  readonly seq: number;
}

/** Sends `count` jobs per key, interleaved across keys, each awaited: that is the send order. */
async function sendInterleaved(send: (payload: Keyed) => Promise<string>, keys: string[], count: number) {
  for (let seq = 0; seq < count; seq++) for (const key of keys) await send({ key, seq });
}

/** Handler starts for one key, as `seq@attempt`, in the order they happened. */
function startsOf(log: JobLog<Keyed>, key: string): string[] {
  return log.seen
    .filter((e) => e.job.payload.key === key)
    .map((e) => `${e.job.payload.seq}@${e.job.attempt}`);
}

/** O1–O2 (capability `ordering`): one job per key at a time, in send order; a failure blocks its key only. */
export function orderingRules(suite: RuleRegistry): void {
  const { ctx } = suite;
  const requires = { capability: 'ordering', present: ctx.capabilities.ordering };

  suite.rule(
    'O1 jobs with the same orderingKey are handled one at a time, in send order',
    async (scope) => {
      const broker = await scope.connect();
      const queue = scope.queue<Keyed>(broker, ctx.queueName('o1'));
      const log = new JobLog<Keyed>(ctx);
      const active = new Map<string, number>();
      let overlap = '';
      queue.process(
        async (job, { signal }) => {
          const { key } = job.payload;
          const running = (active.get(key) ?? 0) + 1;
          active.set(key, running);
          if (running > 1) overlap = `two jobs of key ${key} ran at once`;
          log.record(job);
          try {
            await sleep(broker.clock, ctx.ms(30), signal);
          } finally {
            active.set(key, (active.get(key) ?? 1) - 1);
          }
        },
        { concurrency: 8 },
      );
      const keys = ['a', 'b', 'c'];
      await sendInterleaved((payload) => queue.send(payload, { orderingKey: payload.key }), keys, 5);
      // A batch keeps its order too, even across chunks.
      await queue.sendBatch(
        [0, 1, 2, 3, 4].map((seq) => ({ payload: { key: 'd', seq }, options: { orderingKey: 'd' } })),
      );
      await ctx.waitFor('20 jobs', () => log.count >= 20, ctx.ms(10_000));
      assert.equal(overlap, '');
      for (const key of [...keys, 'd'])
        assert.deepEqual(startsOf(log, key), ['0@1', '1@1', '2@1', '3@1', '4@1'], `key ${key}`);
    },
    { requires },
  );

  /**
   * Key `k` starts with a job that fails `failures` times, then one that succeeds; key `other`
   * has three quick jobs. Returns the handler log once everything has been handled or dead-lettered.
   */
  async function blockedKey(scope: TestScope, options: { maxAttempts: number; failures: number }) {
    const backoffMs = ctx.ms(300);
    const queue = scope.queue<Keyed>(await scope.connect(), ctx.queueName('o2'), {
      maxAttempts: options.maxAttempts,
      backoff: { type: 'fixed', delayMs: backoffMs },
    });
    const log = new JobLog<Keyed>(ctx);
    queue.process(
      (job: Job<Keyed>) => {
        log.record(job);
        if (job.payload.key === 'k' && job.payload.seq === 0 && job.attempt <= options.failures) {
          throw new Error(`k#0 fails attempt ${job.attempt}`);
        }
      },
      { concurrency: 4 },
    );
    await queue.send({ key: 'k', seq: 0 }, { orderingKey: 'k' });
    await queue.send({ key: 'k', seq: 1 }, { orderingKey: 'k' });
    for (let seq = 0; seq < 3; seq++) await queue.send({ key: 'other', seq }, { orderingKey: 'other' });
    const attemptsOfHead = Math.min(options.failures + 1, options.maxAttempts);
    const expected = attemptsOfHead + 1 + 3;
    // Each attempt of the head is a round trip through the broker that may come up to its
    // declared tolerance late (on SQS FIFO, the whole group waits for it): allow one per attempt.
    await ctx.waitFor(
      `${expected} handler calls`,
      () => log.count >= expected,
      attemptsOfHead * (backoffMs + ctx.tolerance) + ctx.ms(5_000),
    );
    await ctx.quietPeriod(ctx.ms(200));
    return { log, backoffMs };
  }

  suite.rule(
    'O2 a failing job blocks its key until it succeeds, while other keys go on',
    async (scope) => {
      const { log } = await blockedKey(scope, { maxAttempts: 5, failures: 2 });
      assert.deepEqual(startsOf(log, 'k'), ['0@1', '0@2', '0@3', '1@1'], 'k#1 waited for k#0 to succeed');
      assert.deepEqual(startsOf(log, 'other'), ['0@1', '1@1', '2@1']);
      const secondAttempt = log.seen.find((e) => e.job.payload.key === 'k' && e.job.attempt === 2)!.at;
      const otherDone = Math.max(...log.seen.filter((e) => e.job.payload.key === 'other').map((e) => e.at));
      assert.ok(otherDone <= secondAttempt, 'the other key waited for the blocked key');
    },
    { requires, budgetMs: 20_000 },
  );

  suite.rule(
    'O2 a failing job blocks its key until it is dead-lettered, while other keys go on',
    async (scope) => {
      const { log } = await blockedKey(scope, { maxAttempts: 2, failures: 2 });
      assert.deepEqual(startsOf(log, 'k'), ['0@1', '0@2', '1@1'], 'k#1 waited for k#0 to be dead-lettered');
      assert.deepEqual(startsOf(log, 'other'), ['0@1', '1@1', '2@1']);
      const secondAttempt = log.seen.find((e) => e.job.payload.key === 'k' && e.job.attempt === 2)!.at;
      const otherDone = Math.max(...log.seen.filter((e) => e.job.payload.key === 'other').map((e) => e.at));
      assert.ok(otherDone <= secondAttempt, 'the other key waited for the blocked key');
    },
    { requires, budgetMs: 20_000 },
  );
}

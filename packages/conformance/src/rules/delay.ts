import assert from 'node:assert/strict';
import { JobLog } from '../observe.js';
import type { RuleRegistry } from '../skip.js';
import { assertOnTime, deadlineFor } from '../timing.js';

/**
 * D1–D4: delays of any length, never early, on time within the declared tolerance, and never
 * holding other jobs back. Every bound uses the suite time read just before `send` (the earliest
 * the core can have stamped `notBefore`) and just after it resolved (the latest).
 */
export function delayRules(suite: RuleRegistry): void {
  const { ctx } = suite;

  suite.rule(
    'D1 a delayed job arrives no earlier than delay - ε and no later than delay + tolerance',
    async (scope) => {
      const delay = ctx.ms(1_000);
      const queue = scope.queue(await scope.connect(), ctx.queueName('d1'));
      await queue.provision();
      const log = new JobLog(ctx);
      queue.process(log.handler);
      const sentAt = ctx.now();
      const id = await queue.send({ delayed: true }, { delay });
      const acceptedAt = ctx.now();
      await ctx.waitFor('the delayed job', () => log.count >= 1, deadlineFor(ctx, delay));
      const { job, at } = log.seen[0]!;
      assert.equal(job.id, id);
      assert.equal(job.attempt, 1);
      assertOnTime(ctx, 'the delayed job', at, { earliest: sentAt + delay, latest: acceptedAt + delay });
    },
  );

  const maxNative = ctx.capabilities.maxNativeDelayMs;
  suite.rule(
    'D2 a delay beyond the native maximum is honoured and starts at attempt 1',
    async (scope) => {
      // Two and a half native maxima: at least two hops (or a forwarder round) on the delay path.
      const delay = Math.max(ctx.ms(1_000), Math.ceil(maxNative * 2.5));
      const queue = scope.queue(await scope.connect(), ctx.queueName('d2'));
      await queue.provision();
      const log = new JobLog(ctx);
      queue.process(log.handler);
      const sentAt = ctx.now();
      const id = await queue.send({ far: true }, { delay });
      const acceptedAt = ctx.now();
      await ctx.waitFor('the long-delayed job', () => log.count >= 1, deadlineFor(ctx, delay));
      await ctx.quietPeriod(ctx.ms(200));
      assert.equal(log.count, 1, 'a delay hop must not deliver the job twice');
      const { job, at } = log.seen[0]!;
      assert.equal(job.id, id);
      assert.equal(job.attempt, 1, 'waiting on the delay path must not consume attempts');
      assertOnTime(ctx, 'the long-delayed job', at, { earliest: sentAt + delay, latest: acceptedAt + delay });
    },
    {
      requires: { capability: 'maxNativeDelayMs unlimited', present: Number.isFinite(maxNative) },
      budgetMs: Number.isFinite(maxNative) ? Math.max(10_000, (maxNative * 4) / ctx.scale) : undefined,
    },
  );

  suite.rule('D3 notBefore (a Date or epoch ms) behaves like delay', async (scope) => {
    const queue = scope.queue<{ form: string }>(await scope.connect(), ctx.queueName('d3'));
    await queue.provision();
    const log = new JobLog<{ form: string }>(ctx);
    queue.process(log.handler, { concurrency: 2 });
    const asDate = new Date(ctx.now() + ctx.ms(1_000));
    const asNumber = ctx.now() + ctx.ms(1_500);
    await queue.send({ form: 'date' }, { notBefore: asDate });
    await queue.send({ form: 'number' }, { notBefore: asNumber });
    await ctx.waitFor('both jobs', () => log.count >= 2, deadlineFor(ctx, ctx.ms(1_500)));
    const arrival = (form: string) => log.seen.find((entry) => entry.job.payload.form === form)!;
    const byDate = arrival('date');
    const byNumber = arrival('number');
    assertOnTime(ctx, 'the job with notBefore as a Date', byDate.at, {
      earliest: asDate.getTime(),
      latest: asDate.getTime(),
    });
    assertOnTime(ctx, 'the job with notBefore as epoch ms', byNumber.at, {
      earliest: asNumber,
      latest: asNumber,
    });
    assert.equal(byDate.job.attempt, 1);
    assert.equal(byNumber.job.attempt, 1);
  });

  suite.rule('D4 a 3 s job sent before a 0.5 s job does not hold it back', async (scope) => {
    const long = ctx.ms(3_000);
    const short = ctx.ms(500);
    const queue = scope.queue<{ which: string }>(await scope.connect(), ctx.queueName('d4'));
    await queue.provision();
    const log = new JobLog<{ which: string }>(ctx);
    // One handler at a time: if the broker queued delays first-in-first-out, the short job would
    // have to wait behind the long one.
    queue.process(log.handler, { concurrency: 1 });
    const longSentAt = ctx.now();
    await queue.send({ which: 'long' }, { delay: long });
    const longAcceptedAt = ctx.now();
    const shortSentAt = ctx.now();
    await queue.send({ which: 'short' }, { delay: short });
    const shortAcceptedAt = ctx.now();
    await ctx.waitFor('both jobs', () => log.count >= 2, deadlineFor(ctx, long));
    assert.deepEqual(
      log.seen.map((entry) => entry.job.payload.which),
      ['short', 'long'],
    );
    const [first, second] = log.seen;
    assertOnTime(ctx, 'the 0.5 s job', first!.at, {
      earliest: shortSentAt + short,
      latest: shortAcceptedAt + short,
    });
    assertOnTime(ctx, 'the 3 s job', second!.at, {
      earliest: longSentAt + long,
      latest: longAcceptedAt + long,
    });
  });
}

import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import {
  type DeadLetter,
  type Queue,
  QueueNotFoundError,
  STATS_FIELDS,
  type StatsField,
} from '@polyqueue/core';
import { Gate, JobLog, recordEvents } from '../observe.js';
import type { TestScope } from '../scope.js';
import type { RuleRegistry } from '../skip.js';
import { peekUntil } from './dead-letter.js';

/** Fills a queue's dead-letter queue with `count` jobs (one failed attempt each); returns their ids. */
async function deadLetterJobs(
  scope: TestScope,
  queue: Queue<{ n: number }>,
  count: number,
): Promise<string[]> {
  const { ctx } = scope;
  const worker = queue.process(
    () => {
      throw new Error('to the dead-letter queue');
    },
    { concurrency: 4 },
  );
  const dead = recordEvents(ctx, worker, 'dead-lettered');
  const ids: string[] = [];
  for (let n = 0; n < count; n++) ids.push(await queue.send({ n }, { attributes: { n: String(n) } }));
  await ctx.waitFor(`${count} jobs to be dead-lettered`, () => dead.length >= count, ctx.ms(5_000));
  await ctx.settle('the failing worker to close', worker.close(), ctx.ms(5_000));
  return ids;
}

/** What must not change between two peeks. */
function summary(letters: readonly DeadLetter<unknown>[]) {
  return letters
    .map(({ id, payload, attributes, record }) => ({ id, payload, attributes: { ...attributes }, record }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Q1–Q4: operating on dead letters: look, move back, delete, count. */
export function deadLetterOpsRules(suite: RuleRegistry): void {
  const { ctx } = suite;

  suite.rule('Q1 peeking at dead letters twice returns the same letters and removes none', async (scope) => {
    const queue = scope.queue<{ n: number }>(await scope.connect(), ctx.queueName('q1'), { maxAttempts: 1 });
    const ids = await deadLetterJobs(scope, queue, 3);
    const first = await peekUntil(scope, queue, 3);
    const second = await queue.deadLetters.peek();
    assert.deepEqual(new Set(first.map((letter) => letter.id)), new Set(ids));
    assert.deepEqual(summary(second), summary(first), 'a second peek sees exactly what the first saw');
    assert.equal((await queue.deadLetters.peek(2)).length, 2, 'peek honours its limit');
    assert.equal((await queue.deadLetters.peek()).length, 3, 'peeking removed letters');
  });

  suite.rule(
    'Q1 peeking at the dead letters of a queue that does not exist, with provisioning off, fails with QueueNotFoundError',
    async (scope) => {
      const broker = await scope.connect({ provision: false });
      const name = ctx.queueName('q1-never-created');
      const queue = scope.queue(broker, name);
      // An empty list would say "no dead letters" about a queue nobody created: a silent lie.
      await assert.rejects(queue.deadLetters.peek(), (error: unknown) => {
        assert.ok(error instanceof QueueNotFoundError, `expected QueueNotFoundError, got ${String(error)}`);
        assert.ok(
          [name, `${name}.dlq`].includes(error.queue),
          `the error names "${error.queue}", neither the queue nor its dead-letter queue`,
        );
        return true;
      });
    },
  );

  suite.rule('Q2 redrive N, then all: attempts reset, none lost, none duplicated', async (scope) => {
    const queue = scope.queue<{ n: number }>(await scope.connect(), ctx.queueName('q2'), {
      maxAttempts: 2,
      backoff: { type: 'fixed', delayMs: ctx.ms(50) },
    });
    let failing = true;
    const failedAttempts = new JobLog<{ n: number }>(ctx);
    const handled = new JobLog<{ n: number }>(ctx);
    const worker = queue.process(
      (job) => {
        if (!failing) return void handled.record(job);
        failedAttempts.record(job);
        throw new Error('not yet');
      },
      { concurrency: 4 },
    );
    const dead = recordEvents(ctx, worker, 'dead-lettered');
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push(await queue.send({ n }));
    await ctx.waitFor('5 jobs to use up both attempts', () => dead.length >= 5, ctx.ms(5_000));
    await peekUntil(scope, queue, 5);
    assert.equal(failedAttempts.count, 10, 'two attempts each before dead-lettering');
    failing = false;

    assert.equal(await queue.deadLetters.redrive({ limit: 2 }), 2, 'redrive({ limit: 2 }) moves 2');
    await ctx.waitFor('the 2 redriven jobs', () => handled.count >= 2, ctx.ms(5_000));
    await ctx.quietPeriod(ctx.ms(300));
    assert.equal(handled.count, 2, 'exactly the 2 redriven jobs come back');
    const left = await queue.deadLetters.peek();
    assert.equal(left.length, 3, '3 letters stay in the dead-letter queue');
    assert.deepEqual(
      new Set([...left.map((letter) => letter.id), ...handled.ids()]),
      new Set(ids),
      'none lost',
    );

    assert.equal(await queue.deadLetters.redrive(), 3, 'redrive() moves the rest');
    await ctx.waitFor('all 5 jobs', () => handled.count >= 5, ctx.ms(5_000));
    await ctx.quietPeriod(ctx.ms(300));
    assert.deepEqual(handled.ids(), new Set(ids), 'every dead letter came back');
    for (const [id, calls] of handled.callsPerId())
      assert.equal(calls, 1, `job ${id} came back ${calls} times`);
    for (const { job } of handled.seen)
      assert.equal(job.attempt, 1, `job ${job.id} came back at attempt ${job.attempt}`);
    assert.deepEqual(await queue.deadLetters.peek(), [], 'the dead-letter queue is empty');
  });

  suite.rule(
    'Q3 purge empties the dead-letter queue, returns how many it removed, and touches nothing else',
    async (scope) => {
      const name = ctx.queueName('q3');
      const queue = scope.queue<{ n: number }>(await scope.connect(), name, { maxAttempts: 1 });
      await deadLetterJobs(scope, queue, 3);
      await peekUntil(scope, queue, 3);
      // A live job waiting in the queue itself: purging dead letters must leave it alone.
      const liveId = await queue.send({ n: 99 });
      assert.equal(await queue.deadLetters.purge(), 3, 'purge() returns how many letters it removed');
      // Seen from another connection, so that no cache of this one can pass for the broker.
      const other = scope.queue<{ n: number }>(await scope.connect(), name, { maxAttempts: 1 });
      let left = -1;
      await ctx
        .waitFor(
          'an empty dead-letter queue',
          async () => {
            left = (await other.deadLetters.peek()).length;
            return left === 0;
          },
          ctx.ms(5_000),
        )
        .catch(() => assert.fail(`${left} dead letters left after purge`));
      assert.equal(await other.deadLetters.purge(), 0, 'a second purge finds nothing to remove');
      const log = new JobLog<{ n: number }>(ctx);
      other.process(log.handler);
      await ctx.waitFor(
        'the live job, untouched by purge',
        () => log.calls(liveId).length > 0,
        ctx.ms(5_000),
      );
    },
  );

  // Every count at once, and never skipped: a count the adapter does not declare must read
  // `undefined` (an honest "cannot tell"), and that too is checked on every adapter.
  const declared = ctx.capabilities.stats;
  suite.rule(
    `Q4 stats() settles on the declared counts (${declared.join(', ') || 'none'}) of jobs ready, delayed, in flight and dead-lettered, and leaves every other count undefined`,
    async (scope) => {
      for (const field of declared)
        assert.ok(STATS_FIELDS.includes(field), `capabilities.stats names "${field}", which is no count`);
      assert.equal(new Set(declared).size, declared.length, 'capabilities.stats names a count twice');
      const broker = await scope.connect();
      const queue = scope.queue<{ kind: string }>(broker, ctx.queueName('q4'), {
        maxAttempts: 1,
        leaseMs: ctx.leaseMs(10_000),
      });
      const gate = new Gate();
      let holding = false;
      const worker = queue.process(
        async (job) => {
          if (job.payload.kind === 'dead') throw new Error('to the dead-letter queue');
          holding = true;
          await gate.opened;
        },
        // One handler and no prefetch: exactly one job in flight, the rest stay where they are.
        { concurrency: 1, prefetch: 0 },
      );
      const dead = recordEvents(ctx, worker, 'dead-lettered');
      await queue.send({ kind: 'dead' });
      await ctx.waitFor('the dead letter', () => dead.length >= 1, ctx.ms(5_000));
      await queue.send({ kind: 'hold' });
      await ctx.waitFor('the held job', () => holding, ctx.ms(5_000));
      for (let i = 0; i < 2; i++) await queue.send({ kind: 'ready' });
      for (let i = 0; i < 3; i++) await queue.send({ kind: 'delayed' }, { delay: ctx.ms(60_000) });
      const known: Record<StatsField, number> = { ready: 2, delayed: 3, inFlight: 1, deadLettered: 1 };
      const expected = countsOf((field) => (declared.includes(field) ? known[field] : undefined));
      let stats: Record<StatsField, number | undefined> | undefined;
      await ctx
        .waitFor(
          'stats to settle',
          async () => {
            const read = await queue.stats();
            stats = countsOf((field) => read[field]);
            return isDeepStrictEqual(stats, expected);
          },
          ctx.ms(5_000),
        )
        .catch(() =>
          assert.deepStrictEqual(stats, expected, 'declared counts, and undefined for the others'),
        );
      gate.open();
    },
  );
}

/** The four counts, each key present (so that a missing count and an undefined one compare equal). */
function countsOf(value: (field: StatsField) => number | undefined): Record<StatsField, number | undefined> {
  return Object.fromEntries(STATS_FIELDS.map((field) => [field, value(field)])) as Record<
    StatsField,
    number | undefined
  >;
}

import assert from 'node:assert/strict';
import { UnrecoverableError } from '@polyqueue/core';
import { JobLog, recordEvents } from '../observe.js';
import type { RuleRegistry } from '../skip.js';
import { peekUntil } from './dead-letter.js';

type Kind = 'failed' | 'unrecoverable';

/** Q2b: redrive of chosen dead letters (by id, by reason), as `polyqueue redrive --id/--reason` does. */
export function redriveChosenRules(suite: RuleRegistry): void {
  const { ctx } = suite;

  suite.rule(
    'Q2b redrive by id and by reason moves only the chosen letters, within the limit; the others stay peekable',
    async (scope) => {
      const queue = scope.queue<{ kind: Kind; n: number }>(await scope.connect(), ctx.queueName('q2b'), {
        maxAttempts: 1,
      });
      let failing = true;
      const handled = new JobLog<{ kind: Kind; n: number }>(ctx);
      const worker = queue.process(
        (job) => {
          if (!failing) return void handled.record(job);
          throw job.payload.kind === 'failed'
            ? new Error('to the dead-letter queue')
            : new UnrecoverableError('no');
        },
        { concurrency: 4 },
      );
      const dead = recordEvents(ctx, worker, 'dead-lettered');
      const kinds: Kind[] = ['failed', 'unrecoverable', 'unrecoverable', 'failed'];
      const ids: string[] = [];
      for (const [n, kind] of kinds.entries()) ids.push(await queue.send({ kind, n }));
      const [a, b, c, d] = ids as [string, string, string, string];
      await ctx.waitFor('4 jobs to be dead-lettered', () => dead.length >= 4, ctx.ms(5_000));
      const letters = await peekUntil(scope, queue, 4);
      const reasons = new Map(letters.map((letter) => [letter.id, letter.record?.reason]));
      assert.deepEqual(
        ids.map((id) => reasons.get(id)),
        kinds,
        'each letter carries the reason it was dead-lettered for',
      );
      failing = false;

      /** Redrives, then checks which jobs came back (once each, at attempt 1) and which letters stay. */
      const step = async (
        what: string,
        options: Parameters<typeof queue.deadLetters.redrive>[0],
        moved: number,
        backNow: (ids: string[]) => boolean,
        left: number,
      ) => {
        const before = handled.count;
        assert.equal(await queue.deadLetters.redrive(options), moved, `${what} moves ${moved}`);
        await ctx.waitFor(
          `${what}: ${moved} jobs back`,
          () => handled.count >= before + moved,
          ctx.ms(5_000),
        );
        await ctx.quietPeriod(ctx.ms(300));
        const back = [...handled.seen.slice(before)].map(({ job }) => job.id);
        assert.equal(back.length, moved, `${what}: ${back.length} jobs came back, not ${moved}`);
        assert.ok(backNow(back), `${what}: the wrong jobs came back (${back.join(', ')})`);
        for (const { job } of handled.seen.slice(before))
          assert.equal(job.attempt, 1, `${what}: job ${job.id} came back at attempt ${job.attempt}`);
        const stay = (await queue.deadLetters.peek()).map((letter) => letter.id);
        assert.equal(stay.length, left, `${what}: ${stay.length} letters stay, not ${left}`);
        return stay;
      };

      const afterId = await step('redrive({ ids: [a] })', { ids: [a] }, 1, (back) => back[0] === a, 3);
      assert.deepEqual(new Set(afterId), new Set([b, c, d]), 'the letters not chosen by id stay');

      const afterLimit = await step(
        "redrive({ reason: 'unrecoverable', limit: 1 })",
        { reason: 'unrecoverable', limit: 1 },
        1,
        (back) => back[0] === b || back[0] === c,
        2,
      );
      assert.ok(afterLimit.includes(d), 'the letter of another reason stays');

      const afterReason = await step(
        "redrive({ reason: 'unrecoverable' })",
        { reason: 'unrecoverable' },
        1,
        (back) => back[0] !== d && afterLimit.includes(back[0] ?? ''),
        1,
      );
      assert.deepEqual(afterReason, [d], 'only the letter of reason "failed" stays');

      // Both given, both must hold: d is of that reason but not of those ids, a is gone already.
      await step(
        "redrive({ ids: [a, b], reason: 'failed' })",
        { ids: [a, b], reason: 'failed' },
        0,
        () => true,
        1,
      );
      for (const [id, calls] of handled.callsPerId())
        assert.equal(calls, 1, `job ${id} came back ${calls} times`);
    },
  );
}

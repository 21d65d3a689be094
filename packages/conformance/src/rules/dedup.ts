import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { JobLog } from '../observe.js';
import type { RuleRegistry } from '../skip.js';

/** U1 (capability `dedup`): the broker drops a repeated `dedupId` inside its window. */
export function dedupRules(suite: RuleRegistry): void {
  const { ctx } = suite;
  const { dedup } = ctx.capabilities;

  suite.rule(
    'U1 two sends with the same dedupId inside the window are handled once',
    async (scope) => {
      const queue = scope.queue<{ copy: number }>(await scope.connect(), ctx.queueName('u1'));
      const log = new JobLog<{ copy: number }>(ctx);
      queue.process(log.handler, { concurrency: 4 });
      const dedupId = `u1-${randomUUID()}`;
      await queue.send({ copy: 1 }, { dedupId });
      await queue.send({ copy: 2 }, { dedupId });
      // A different id in the same breath must not be swallowed: dedup is per id, not per moment.
      await queue.send({ copy: 3 }, { dedupId: `${dedupId}-other` });
      const copies = (n: number) => log.seen.filter((entry) => entry.job.payload.copy === n).length;
      await ctx.waitFor(
        'the deduplicated job and the other one',
        () => copies(3) > 0 && copies(1) + copies(2) > 0,
        ctx.ms(5_000),
      );
      await ctx.quietPeriod(ctx.ms(500));
      assert.equal(copies(1) + copies(2), 1, 'the repeated dedupId was handled more than once');
      assert.equal(copies(3), 1, 'the job with another dedupId was handled once');
    },
    { requires: { capability: 'dedup', present: dedup !== false } },
  );
}

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { JobLog } from '../observe.js';
import type { RuleRegistry } from '../skip.js';

/** U1 (capability `dedup`): the broker drops a repeated `dedupId` inside its window. */
export function dedupRules(suite: RuleRegistry): void {
  const { ctx } = suite;
  const { dedup } = ctx.capabilities;

  suite.rule(
    'U1 two sends with the same dedupId inside the window are handled once, and both return the kept job’s id',
    async (scope) => {
      const queue = scope.queue<{ copy: number }>(await scope.connect(), ctx.queueName('u1'));
      const log = new JobLog<{ copy: number }>(ctx);
      queue.process(log.handler, { concurrency: 4 });
      const dedupId = `u1-${randomUUID()}`;
      const keptId = await queue.send({ copy: 1 }, { dedupId });
      const duplicateId = await queue.send({ copy: 2 }, { dedupId });
      // A different id in the same breath must not be swallowed: dedup is per id, not per moment.
      const otherId = await queue.send({ copy: 3 }, { dedupId: `${dedupId}-other` });
      // A producer that retries a send must learn the id of the job that will run, not a new one.
      assert.equal(duplicateId, keptId, 'the duplicate send must return the kept job’s id');
      assert.notEqual(otherId, keptId, 'a job with another dedupId has its own id');
      const copies = (n: number) => log.seen.filter((entry) => entry.job.payload.copy === n).length;
      await ctx.waitFor(
        'the deduplicated job and the other one',
        () => copies(3) > 0 && copies(1) + copies(2) > 0,
        ctx.ms(5_000),
      );
      await ctx.quietPeriod(ctx.ms(500));
      assert.equal(copies(1) + copies(2), 1, 'the repeated dedupId was handled more than once');
      assert.equal(copies(1), 1, 'the first send is the one kept');
      assert.deepEqual(
        log.seen.filter((entry) => entry.job.payload.copy !== 3).map((entry) => entry.job.id),
        [keptId],
        'the handled job has the id both sends returned',
      );
      assert.equal(copies(3), 1, 'the job with another dedupId was handled once');
    },
    { requires: { capability: 'dedup', present: dedup !== false } },
  );
}

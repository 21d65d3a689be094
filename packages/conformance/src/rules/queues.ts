import assert from 'node:assert/strict';
import type { RuleRegistry } from '../skip.js';

/** Q5: the queues polyqueue provisioned can be listed, without the adapter's own entities. */
export function queueListRules(suite: RuleRegistry): void {
  const { ctx } = suite;
  suite.rule(
    'Q5 broker.queues() lists every provisioned queue, and none of their dead-letter queues or delay entities',
    async (scope) => {
      const broker = await scope.connect();
      // One label for both, so that this run's names can be told apart from every other queue
      // on a shared broker; distinct dead-letter names, the default one and a chosen one.
      const plain = ctx.queueName('q5');
      const chosen = ctx.queueName('q5');
      const chosenDeadLetters = ctx.queueName('q5-dead');
      const first = scope.queue(broker, plain);
      const second = scope.queue(broker, chosen, { deadLetterQueue: chosenDeadLetters });
      await first.provision();
      await second.provision();
      // A delayed job, so that any delay entity created on first use exists too.
      await first.send({ n: 1 }, { delay: ctx.ms(60_000) });
      const ours = (names: readonly string[]) =>
        names.filter((name) => [plain, chosen, chosenDeadLetters].some((mine) => name.includes(mine)));
      let listed: readonly string[] = [];
      await ctx
        .waitFor(
          'both queues to be listed',
          async () => {
            listed = await broker.queues();
            return ours(listed).length >= 2;
          },
          ctx.ms(5_000),
        )
        .catch(() => undefined);
      assert.deepEqual(
        [...ours(listed)].sort(),
        [plain, chosen].sort(),
        'the two work queues of this test, exactly: no dead-letter queue, delay or ready entity',
      );
      assert.deepEqual([...listed], [...listed].sort(), 'queues() is sorted');
    },
    { requires: { capability: 'listQueues', present: ctx.capabilities.listQueues } },
  );
}

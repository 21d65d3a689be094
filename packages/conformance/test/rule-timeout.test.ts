import { MemoryServer } from '@polyqueue/core';
import { describe, expect, it } from 'vitest';
import { SuiteContext } from '../src/context.js';
import type { TestApi } from '../src/harness.js';
import { RuleRegistry } from '../src/skip.js';
import { memoryHarness } from './memory-harness.js';

interface Registered {
  readonly title: string;
  readonly run: () => Promise<void>;
  readonly timeoutMs: number | undefined;
}

/** A budget small enough that the 300 ms floor is the rule's time limit. */
const SHORT = { budgetMs: 100 };

/** A registry whose rules are collected rather than run, with a 300 ms time limit per rule. */
function registry() {
  const ctx = new SuiteContext(memoryHarness(new MemoryServer(), { name: 'rule timeout', timeScale: 0.25 }));
  const registered: Registered[] = [];
  const api: TestApi = {
    describe: (_name, body) => body(),
    it: (title, run, timeoutMs) => void registered.push({ title, run, timeoutMs }),
    skip: () => undefined,
  };
  return { ctx, registered, suite: new RuleRegistry(ctx, api, { minWallTimeoutMs: 300 }) };
}

describe('a conformance rule that runs out of time', () => {
  it('has its workers stopped before the next rule starts, so they take none of its jobs', async () => {
    const { ctx, registered, suite } = registry();
    const queueName = ctx.queueName('timeout');
    const takenByTheTimedOutRule: string[] = [];
    suite.rule(
      'F1 a rule whose body never ends while its worker runs',
      async (scope) => {
        const queue = scope.queue(await scope.connect(), queueName);
        queue.process((job) => void takenByTheTimedOutRule.push(job.id), { concurrency: 4 });
        await new Promise<never>(() => {});
      },
      SHORT,
    );
    const takenByTheNextRule: string[] = [];
    suite.rule('F5 the next rule on the same queue', async (scope) => {
      const queue = scope.queue(await scope.connect(), queueName);
      queue.process((job) => void takenByTheNextRule.push(job.id), { concurrency: 4 });
      await queue.sendBatch(Array.from({ length: 20 }, (_, n) => ({ payload: { n } })));
      await ctx.waitFor(
        '20 jobs',
        () => takenByTheNextRule.length + takenByTheTimedOutRule.length >= 20,
        5_000,
      );
      await ctx.quietPeriod(100);
    });
    const [timedOut, next] = registered;
    expect(timedOut!.timeoutMs, "the runner's timeout leaves the rule time to clean up").toBeGreaterThan(300);
    await expect(timedOut!.run()).rejects.toThrow(/ran out of time/);
    await next!.run();
    expect(takenByTheTimedOutRule).toEqual([]);
    expect(takenByTheNextRule).toHaveLength(20);
  });

  it('stops polling in the timed-out body instead of letting it run on', async () => {
    const { ctx, registered, suite } = registry();
    let polls = 0;
    let outcome: unknown;
    suite.rule(
      'F1 a rule waiting for something that never happens',
      async () => {
        await ctx
          .waitFor(
            'nothing',
            () => {
              polls++;
              return false;
            },
            60_000,
          )
          .catch((error: unknown) => {
            outcome = error;
          });
      },
      SHORT,
    );
    await expect(registered[0]!.run()).rejects.toThrow(/ran out of time/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = polls;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(polls, 'the stale wait polls on').toBe(after);
    expect(String(outcome)).toMatch(/its test has ended/);
  });

  it('refuses new connections once the rule has ended', async () => {
    const { registered, suite } = registry();
    let late: Promise<unknown> | undefined;
    suite.rule(
      'F1 a rule that connects after its time is up',
      async (scope) => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        late = scope.connect();
        await late.catch(() => undefined);
      },
      SHORT,
    );
    await expect(registered[0]!.run()).rejects.toThrow(/ran out of time/);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expect(late).rejects.toThrow(/has ended/);
  });
});

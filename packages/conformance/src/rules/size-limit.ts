import assert from 'node:assert/strict';
import { type DeadLetter, UnrecoverableError } from '@polyqueue/core';
import { JobLog } from '../observe.js';
import type { TestScope } from '../scope.js';
import type { RuleRegistry } from '../skip.js';
import { deadlineFor } from '../timing.js';
import { ConformanceFailure } from './dead-letter.js';

/**
 * Publishes a foreign message (no metadata) whose JSON body alone fills the broker's size limit,
 * fails it with `error` on every attempt, and checks that it reaches the dead-letter queue with
 * that error and its whole body, and is then never delivered again. Every copy polyqueue makes of
 * it (a retry, the dead letter) adds metadata that no longer fits: the adapter must still get it
 * there (cut the metadata, move the body), or the message is stranded, failing forever unseen.
 */
async function failAtTheSizeLimit(
  scope: TestScope,
  options: { readonly maxAttempts: number; readonly runs: number; readonly error: () => Error },
): Promise<void> {
  const { ctx } = scope;
  const { maxAttempts } = options;
  const leaseMs = ctx.leaseMs(2_000);
  const bytes = ctx.harness.maxNativeBodyBytes ?? ctx.capabilities.maxMessageBytes;
  const broker = await scope.connect();
  const name = ctx.queueName('size-limit');
  const queue = scope.queue<{ pad: string }>(broker, name, {
    maxAttempts,
    leaseMs,
    backoff: { type: 'fixed', delayMs: ctx.ms(100) },
  });
  await queue.provision();
  const body = new TextEncoder().encode(JSON.stringify({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) }));
  assert.equal(body.length, bytes);
  await ctx.harness.publishNative(broker, name, { body, headers: {} });
  const log = new JobLog(ctx);
  const thrown = options.error();
  queue.process((job) => {
    log.record(job);
    throw thrown;
  });
  let letters: DeadLetter<{ pad: string }>[] = [];
  await ctx
    .waitFor(
      'the message in the dead-letter queue',
      async () => {
        letters = await queue.deadLetters.peek();
        return letters.length > 0;
      },
      deadlineFor(ctx, leaseMs * (options.runs + 1)),
    )
    .catch(() =>
      assert.fail(`the message never reached the dead-letter queue (its handler ran ${log.count} times)`),
    );
  const [letter] = letters;
  assert.equal(letters.length, 1);
  assert.equal(letter!.record?.errorName, thrown.name);
  assert.equal(letter!.record?.errorMessage, thrown.message);
  assert.equal(letter!.body.length, bytes, 'the dead letter keeps the whole body');
  // Not stranded in the queue either: nothing delivers it again once it is a dead letter.
  await ctx.quietPeriod(leaseMs + ctx.tolerance);
  assert.equal(log.count, options.runs, `the handler ran ${log.count} times, not ${options.runs}`);
}

/**
 * R3 and R4 at the broker's size limit (`harness.maxNativeBodyBytes`): through a retry and then
 * the dead letter, and straight to the dead letter (the only copy on brokers that retry in place).
 */
export function sizeLimitRules(suite: RuleRegistry): void {
  suite.rule(
    'R3 a foreign message exactly at the size limit whose handler keeps failing is dead-lettered with its error, not stranded',
    (scope) =>
      failAtTheSizeLimit(scope, {
        maxAttempts: 2,
        runs: 2,
        error: () => new ConformanceFailure('too big to fail quietly'),
      }),
    { budgetMs: 20_000 },
  );

  suite.rule(
    'R4 a foreign message exactly at the size limit that throws UnrecoverableError is dead-lettered with its error, not stranded',
    (scope) =>
      failAtTheSizeLimit(scope, {
        maxAttempts: 3,
        runs: 1,
        error: () => new UnrecoverableError('too big to retry'),
      }),
    { budgetMs: 20_000 },
  );
}

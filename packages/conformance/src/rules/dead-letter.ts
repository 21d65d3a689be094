import assert from 'node:assert/strict';
import { type DeadLetter, type DeadLetterRecord, type Queue, UnrecoverableError } from '@polyqueue/core';
import { MAX_STACK_CHARS } from '@polyqueue/core/driver';
import { JobLog, recordEvents } from '../observe.js';
import { type Named, namedSchema } from '../schema.js';
import type { TestScope } from '../scope.js';
import type { RuleRegistry } from '../skip.js';
import { deadlineFor } from '../timing.js';

/** A handler error with its own name, so the record provably carries the thrown error's name. */
export class ConformanceFailure extends Error {
  override get name(): string {
    return 'ConformanceFailure';
  }
}

/** A stack longer than the record may carry, so truncation is exercised rather than assumed. */
const LONG_STACK = [
  'ConformanceFailure: payment declined',
  ...Array.from(
    { length: 120 },
    (_, i) => `    at step${i} (file:///srv/app/src/billing/charge-${i}.js:${i + 1}:17)`,
  ),
].join('\n');

/** Waits until the dead-letter queue lists `count` letters (a broker may show them a little late). */
export async function peekUntil<T>(
  scope: TestScope,
  queue: Queue<T>,
  count: number,
): Promise<DeadLetter<T>[]> {
  let letters: DeadLetter<T>[] = [];
  await scope.ctx.waitFor(
    `${count} dead letters`,
    async () => {
      letters = await queue.deadLetters.peek();
      return letters.length >= count;
    },
    scope.ctx.ms(5_000),
  );
  return letters;
}

/** R3–R6: how jobs leave the queue for its dead-letter queue, and what they carry there. */
export function deadLetterRules(suite: RuleRegistry): void {
  const { ctx } = suite;

  suite.rule('R3 max attempts -> dead letter with payload, attributes and error metadata', async (scope) => {
    const maxAttempts = 3;
    const name = ctx.queueName('r3');
    const queue = scope.queue(await scope.connect(), name, {
      maxAttempts,
      backoff: { type: 'fixed', delayMs: ctx.ms(50) },
    });
    const log = new JobLog(ctx);
    const worker = queue.process((job) => {
      log.record(job);
      const error = new ConformanceFailure('payment declined');
      error.stack = LONG_STACK;
      throw error;
    });
    const dead = recordEvents(ctx, worker, 'dead-lettered');
    const payload = { order: 42, lines: [{ sku: 'A-1', qty: 2 }], note: 'ünïcödé ✓' };
    const attributes = { tenant: 't-1', region: 'eu-west' };
    const id = await queue.send(payload, { attributes });
    await ctx.waitFor('the job to be dead-lettered', () => dead.length >= 1, deadlineFor(ctx, ctx.ms(100)));
    const [letter] = await peekUntil(scope, queue, 1);
    const checkedAt = ctx.now();
    assert.equal(log.count, maxAttempts, 'the handler ran once per attempt');
    assert.equal(letter!.id, id);
    assert.deepEqual(letter!.payload, payload);
    assert.deepEqual({ ...letter!.attributes }, attributes);
    const record = letter!.record;
    assert.ok(record, 'the dead letter carries its record');
    assert.equal(record.reason, 'failed');
    assert.equal(record.errorName, 'ConformanceFailure');
    assert.equal(record.errorMessage, 'payment declined');
    assert.equal(typeof record.errorStack, 'string', 'the stack is kept');
    const stack = record.errorStack!;
    assert.ok(
      stack.length > 0 && stack.length <= MAX_STACK_CHARS,
      `stack of ${stack.length} chars is not truncated`,
    );
    assert.ok(
      LONG_STACK.startsWith(stack.slice(0, Math.min(stack.length, 200))),
      'the stack is the thrown one',
    );
    assert.equal(record.attempts, maxAttempts);
    assert.equal(record.sourceQueue, name);
    const lastAttempt = log.seen.at(-1)!.at;
    assert.ok(
      record.failedAt >= lastAttempt && record.failedAt <= checkedAt,
      `failedAt ${record.failedAt} not between the last attempt (${lastAttempt}) and now (${checkedAt})`,
    );
    await ctx.quietPeriod(ctx.ms(300));
    assert.equal(log.count, maxAttempts, 'a dead-lettered job left the queue: no further attempts');
  });

  suite.rule('R4 UnrecoverableError dead-letters on the first attempt', async (scope) => {
    const queue = scope.queue(await scope.connect(), ctx.queueName('r4'), { maxAttempts: 5 });
    const log = new JobLog(ctx);
    queue.process((job) => {
      log.record(job);
      throw new UnrecoverableError('account deleted');
    });
    const id = await queue.send({ account: 7 });
    const [letter] = await peekUntil(scope, queue, 1);
    await ctx.quietPeriod(ctx.ms(300));
    assert.equal(log.count, 1, 'an unrecoverable job is not retried');
    assert.equal(letter!.id, id);
    assert.equal(letter!.record?.reason, 'unrecoverable');
    assert.equal(letter!.record?.errorName, 'UnrecoverableError');
    assert.equal(letter!.record?.errorMessage, 'account deleted');
    assert.equal(letter!.record?.attempts, 1);
  });

  suite.rule(
    'R5 a body that cannot be decoded is dead-lettered (reason decode) and the worker keeps going',
    async (scope) => {
      const broker = await scope.connect();
      const name = ctx.queueName('r5-decode');
      const queue = scope.queue(broker, name);
      await queue.provision();
      // Invalid UTF-8 inside something JSON-shaped (where the broker carries bytes), or JSON cut
      // short (where bodies are text only); then valid UTF-8 that is not JSON.
      const broken =
        ctx.harness.nativeBodies === 'text'
          ? new TextEncoder().encode('{"a": "cut sh')
          : Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xc3, 0x28, 0x7d]);
      const notJson = new TextEncoder().encode('hello, I am not JSON');
      await ctx.harness.publishNative(broker, name, { body: broken, headers: {} });
      await ctx.harness.publishNative(broker, name, { body: notJson, headers: {} });
      const goodId = await queue.send({ good: true });
      const log = new JobLog(ctx);
      const worker = queue.process(log.handler);
      await ctx.waitFor('the good job', () => log.calls(goodId).length > 0, ctx.ms(5_000));
      const letters = await peekUntil(scope, queue, 2);
      assert.equal(log.count, 1, 'undecodable bodies must never reach the handler');
      assert.ok(worker.isRunning, 'the worker keeps running');
      assert.equal(letters.length, 2);
      for (const letter of letters) assert.equal(letter.record?.reason, 'decode');
      const bodies = letters.map((letter) => Buffer.from(letter.body).toString('hex')).sort();
      assert.deepEqual(
        bodies,
        [Buffer.from(broken).toString('hex'), Buffer.from(notJson).toString('hex')].sort(),
      );
    },
  );

  suite.rule(
    'R5 a payload that fails the schema at receive is dead-lettered (reason validation)',
    async (scope) => {
      const broker = await scope.connect();
      const name = ctx.queueName('r5-schema');
      const queue = scope.queue<Named>(broker, name, { schema: namedSchema });
      await queue.provision();
      const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
      await ctx.harness.publishNative(broker, name, { body: json({ name: 42 }), headers: {} });
      await ctx.harness.publishNative(broker, name, { body: json({ name: 'valid' }), headers: {} });
      const log = new JobLog<Named>(ctx);
      const worker = queue.process(log.handler);
      await ctx.waitFor('the valid job', () => log.count >= 1, ctx.ms(5_000));
      const [letter] = await peekUntil(scope, queue, 1);
      assert.deepEqual(
        log.seen.map((entry) => entry.job.payload),
        [{ name: 'valid' }],
      );
      assert.ok(worker.isRunning, 'the worker keeps running');
      assert.equal(letter!.record?.reason, 'validation');
      assert.deepEqual(JSON.parse(Buffer.from(letter!.body).toString('utf8')), { name: 42 });
    },
  );

  suite.rule(
    'R6 a job whose consumer crashes every time is dead-lettered (reason exhausted) after maxAttempts',
    async (scope) => {
      const maxAttempts = 3;
      const leaseMs = ctx.leaseMs(1_000);
      const name = ctx.queueName('r6');
      const queue = scope.queue(await scope.connect(), name, { maxAttempts, leaseMs });
      const id = await queue.send({ poison: true });
      let calls = 0;
      let record: DeadLetterRecord | undefined;
      // Each round is a fresh process that takes the job and dies holding it.
      for (let round = 1; round <= maxAttempts + 2 && record === undefined; round++) {
        const consumer = await scope.connect();
        const before = calls;
        const worker = scope.queue(consumer, name, { maxAttempts, leaseMs }).process(() => {
          calls++;
          return new Promise<never>(() => {});
        });
        worker.on('dead-lettered', (_job, dead) => {
          record = dead;
        });
        const arrived = () => calls > before || record !== undefined;
        await ctx.waitFor(`crash round ${round}: the job`, arrived, deadlineFor(ctx, leaseMs * 2));
        await scope.crash(consumer);
      }
      assert.ok(record, `the job was never dead-lettered (handler ran ${calls} times)`);
      assert.ok(calls <= maxAttempts, `the handler ran ${calls} times for maxAttempts ${maxAttempts}`);
      assert.equal(record.reason, 'exhausted');
      assert.equal(record.attempts, maxAttempts);
      const [letter] = await peekUntil(scope, queue, 1);
      assert.equal(letter!.id, id);
    },
    { budgetMs: 20_000 },
  );
}

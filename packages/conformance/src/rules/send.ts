import assert from 'node:assert/strict';
import {
  MessageTooLargeError,
  type Queue,
  QueueNotFoundError,
  SerializationError,
  ValidationError,
} from '@polyqueue/core';
import { JobLog } from '../observe.js';
import { type Named, namedSchema } from '../schema.js';
import type { TestScope } from '../scope.js';
import type { RuleRegistry } from '../skip.js';

/** JSON shapes that must survive the wire unchanged (P1). */
const PAYLOADS: readonly unknown[] = [
  { to: 'a@b.c', nested: { list: [1, 'two', { three: 3 }], empty: {} }, flag: false },
  [1, 2, 3, [4, [5]], { six: 6 }, []],
  'héllo wörld – 你好 – مرحبا – 👋🏽 🇺🇦 👩‍👩‍👧 – \u0000 \n "quoted" \\',
  0,
  -17,
  0.1 + 0.2,
  1e-7,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  true,
  false,
  null,
  '',
];

/** P1–P5: what `send` and `sendBatch` promise before and after the broker is involved. */
export function sendRules(suite: RuleRegistry): void {
  const { ctx } = suite;

  suite.rule(
    'P1 round trip: JSON payloads arrive deep-equal, with the id send returned, as attempt 1',
    async (scope) => {
      const queue = scope.queue(await scope.connect(), ctx.queueName('p1'));
      const log = new JobLog(ctx);
      queue.process(log.handler, { concurrency: 4 });
      const ids: string[] = [];
      for (const payload of PAYLOADS) ids.push(await queue.send(payload));
      await ctx.waitFor(`${PAYLOADS.length} jobs`, () => log.count >= PAYLOADS.length, ctx.ms(5_000));
      assert.equal(new Set(ids).size, ids.length, 'send returned duplicate ids');
      PAYLOADS.forEach((payload, i) => {
        const calls = log.calls(ids[i]!);
        assert.equal(calls.length, 1, `payload #${i} (id ${ids[i]}) was handled ${calls.length} times`);
        assert.deepEqual(calls[0]!.job.payload, payload, `payload #${i} changed on the way`);
        assert.equal(calls[0]!.job.attempt, 1, `payload #${i} first delivery`);
      });
      assert.equal(log.count, PAYLOADS.length);
    },
  );

  suite.rule('P1 round trip: attributes arrive intact', async (scope) => {
    const queue = scope.queue(await scope.connect(), ctx.queueName('p1-attr'));
    const log = new JobLog(ctx);
    queue.process(log.handler);
    const attributes = { tenant: 't-1', 'trace-id': '00-4bf92f35-00f067aa-01', note: 'a b=c;d,e' };
    const id = await queue.send({ n: 1 }, { attributes });
    await ctx.waitFor('the job', () => log.count >= 1, ctx.ms(5_000));
    const job = log.seen[0]!.job;
    assert.equal(job.id, id);
    assert.deepEqual({ ...job.attributes }, attributes);
    assert.equal(job.attempt, 1);
  });

  suite.rule(
    'P2 sendBatch beyond the native batch limit: one result per item in input order, a bad item fails alone',
    async (scope) => {
      const count = Math.min(ctx.capabilities.maxBatchSize + 3, 20_000);
      const bad = Math.floor(count / 2);
      const queue = scope.queue<{ i: number; big?: bigint }>(await scope.connect(), ctx.queueName('p2'));
      const log = new JobLog<{ i: number }>(ctx);
      queue.process(log.handler, { concurrency: 32 });
      const items = Array.from({ length: count }, (_, i) => ({
        payload: i === bad ? { i, big: 10n } : { i },
      }));
      const results = await queue.sendBatch(items);
      assert.equal(results.length, count, 'one result per item');
      const failed = results[bad]!;
      assert.ok(!failed.ok, 'the BigInt item must fail');
      assert.ok(
        failed.error instanceof SerializationError,
        `expected SerializationError, got ${failed.error}`,
      );
      const ids = new Map<string, number>();
      results.forEach((result, i) => {
        if (i !== bad) {
          assert.ok(result.ok, `item ${i} failed: ${result.ok ? '' : result.error}`);
          ids.set(result.id, i);
        }
      });
      assert.equal(ids.size, count - 1, 'every good item gets its own id');
      await ctx.waitFor(`${count - 1} jobs`, () => log.count >= count - 1, bulkTimeout(scope));
      await ctx.quietPeriod(ctx.ms(300));
      assert.equal(log.count, count - 1, 'every good item handled once, the bad one never');
      for (const { job } of log.seen) {
        // The id at result position i belongs to the payload sent at position i: input order.
        assert.equal(ids.get(job.id), job.payload.i, `job ${job.id} does not match its result position`);
      }
    },
    { budgetMs: 60_000 },
  );

  suite.rule('P3 payload over maxMessageBytes -> MessageTooLargeError, nothing sent', async (scope) => {
    const queue = scope.queue<unknown>(await scope.connect(), ctx.queueName('p3'));
    const tooLarge = { blob: 'x'.repeat(ctx.capabilities.maxMessageBytes) };
    await assert.rejects(queue.send(tooLarge), MessageTooLargeError);
    const [big, sentinel] = await queue.sendBatch([{ payload: tooLarge }, { payload: { sentinel: true } }]);
    assert.ok(
      big && !big.ok && big.error instanceof MessageTooLargeError,
      'the large batch item fails alone',
    );
    assert.ok(sentinel?.ok, 'the small batch item is sent');
    await assertOnlyArrives(scope, queue, sentinel.id);
  });

  suite.rule('P4 schema-invalid payload -> ValidationError, nothing sent', async (scope) => {
    const queue = scope.queue<Named>(await scope.connect(), ctx.queueName('p4-schema'), {
      schema: namedSchema,
    });
    const invalid = { name: 42 } as unknown as Named;
    await assert.rejects(queue.send(invalid), ValidationError);
    const [rejected, sentinel] = await queue.sendBatch([
      { payload: invalid },
      { payload: { name: 'sentinel' } },
    ]);
    assert.ok(
      rejected && !rejected.ok && rejected.error instanceof ValidationError,
      'the invalid item fails alone',
    );
    assert.ok(sentinel?.ok, 'the valid batch item is sent');
    await assertOnlyArrives(scope, queue, sentinel.id);
  });

  suite.rule('P4 cyclic or BigInt payload -> SerializationError, nothing sent', async (scope) => {
    const queue = scope.queue<unknown>(await scope.connect(), ctx.queueName('p4-serialize'));
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    await assert.rejects(queue.send(cyclic), SerializationError);
    await assert.rejects(queue.send({ amount: 10n }), SerializationError);
    const [cycle, big, sentinel] = await queue.sendBatch([
      { payload: cyclic },
      { payload: 10n },
      { payload: { sentinel: true } },
    ]);
    assert.ok(cycle && !cycle.ok && cycle.error instanceof SerializationError, 'the cyclic item fails alone');
    assert.ok(big && !big.ok && big.error instanceof SerializationError, 'the BigInt item fails alone');
    assert.ok(sentinel?.ok, 'the good batch item is sent');
    await assertOnlyArrives(scope, queue, sentinel.id);
  });

  suite.rule('P5 send to a missing queue with provisioning off -> QueueNotFoundError', async (scope) => {
    const broker = await scope.connect({ provision: false });
    const name = ctx.queueName('p5-never-created');
    const queue = scope.queue(broker, name);
    await assert.rejects(queue.send({ lost: false }), (error: unknown) => {
      assert.ok(error instanceof QueueNotFoundError, `expected QueueNotFoundError, got ${String(error)}`);
      assert.equal(error.queue, name);
      return true;
    });
    const results = await queue.sendBatch([{ payload: { n: 1 } }, { payload: { n: 2 } }]);
    for (const result of results) {
      assert.ok(
        !result.ok && result.error instanceof QueueNotFoundError,
        'every batch item fails with QueueNotFoundError',
      );
    }
  });
}

/** Bulk tests are bound by throughput, not by scaled time: give them at least a real minute. */
export function bulkTimeout(scope: TestScope): number {
  return Math.max(scope.ctx.ms(60_000), 60_000);
}

/**
 * Proves "nothing was sent" from the consumer's side: a worker sees the sentinel, and nothing
 * else, even after a quiet period.
 */
async function assertOnlyArrives<T>(scope: TestScope, queue: Queue<T>, sentinelId: string): Promise<void> {
  const { ctx } = scope;
  const log = new JobLog<T>(ctx);
  queue.process(log.handler, { concurrency: 4 });
  await ctx.waitFor('the sentinel job', () => log.calls(sentinelId).length > 0, ctx.ms(5_000));
  await ctx.quietPeriod(ctx.ms(300));
  assert.deepEqual(
    log.seen.map((entry) => entry.job.id),
    [sentinelId],
    'only the sentinel may arrive: the rejected payloads must not have been sent',
  );
}

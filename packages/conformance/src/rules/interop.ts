import assert from 'node:assert/strict';
import { COMPACT_KEY, decodeCompact, Header } from '@polyqueue/core/driver';
import type { NativeMessage } from '../harness.js';
import { JobLog } from '../observe.js';
import type { RuleRegistry } from '../skip.js';

/** A header by name, ignoring case: some brokers and clients normalize header names. */
function header(message: NativeMessage, name: string): string | undefined {
  const found = Object.keys(message.headers).find((key) => key.toLowerCase() === name.toLowerCase());
  return found === undefined ? undefined : message.headers[found];
}

/**
 * The job id as the wire format carries it (docs/wire-format.md): the `pq-id` header, or the `i`
 * field of the compact `pq` attribute where an adapter must save attributes (SQS).
 */
function metadataId(message: NativeMessage): string | undefined {
  return header(message, Header.id) ?? decodeCompact(header(message, COMPACT_KEY)).meta.id;
}

/** I1: polyqueue and plain native producers and consumers understand each other. */
export function interopRules(suite: RuleRegistry): void {
  const { ctx } = suite;

  suite.rule(
    'I1 a plain native JSON message without metadata is handled as attempt 1 with its payload',
    async (scope) => {
      const broker = await scope.connect();
      const name = ctx.queueName('i1-in');
      const queue = scope.queue(broker, name);
      await queue.provision();
      const payload = {
        from: 'a native producer',
        items: [1, 'two', { three: 3 }],
        urgent: false,
        note: 'ünï ✓',
      };
      const body = new TextEncoder().encode(JSON.stringify(payload));
      await ctx.harness.publishNative(broker, name, { body, headers: {} });
      const log = new JobLog(ctx);
      queue.process(log.handler);
      await ctx.waitFor('the native message', () => log.count >= 1, ctx.ms(5_000));
      const { job } = log.seen[0]!;
      assert.deepEqual(job.payload, payload);
      assert.equal(job.attempt, 1);
      assert.ok(typeof job.id === 'string' && job.id.length > 0, 'a foreign message still gets an id');
    },
  );

  suite.rule(
    'I1 a polyqueue message is read by a plain native consumer: JSON body, job id in the metadata',
    async (scope) => {
      const broker = await scope.connect();
      const name = ctx.queueName('i1-out');
      const queue = scope.queue(broker, name);
      await queue.provision();
      const payload = { to: 'a native consumer', amount: 12.5, tags: ['x', 'y'] };
      const id = await queue.send(payload, { attributes: { tenant: 't-1' } });
      let message: NativeMessage | undefined;
      const received = async () => {
        message = await ctx.harness.consumeNative(broker, name);
        return message !== undefined;
      };
      await ctx.waitFor('a native consumer to read the message', received, ctx.ms(5_000));
      assert.deepEqual(JSON.parse(new TextDecoder().decode(message!.body)), payload);
      assert.equal(metadataId(message!), id, 'the job id travels in the documented metadata');
      assert.equal(header(message!, 'tenant'), 't-1', 'user attributes travel as native headers');
    },
  );
}

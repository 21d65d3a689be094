import assert from 'node:assert/strict';
import { isNative, NativeTypeError } from '@polyqueue/core';
import type { NativeTypes } from '../harness.js';
import { JobLog } from '../observe.js';
import type { RuleRegistry } from '../skip.js';

/** A type no adapter's native client is: the checked accessor must refuse it. */
class NotTheNativeClient {}

/** X1: the escape hatch gives the documented native types, reachable through a checked accessor. */
export function nativeTypeRules(suite: RuleRegistry): void {
  const { ctx } = suite;
  const types = (): NativeTypes => {
    const given = ctx.harness.nativeTypes;
    if (given === undefined) {
      assert.fail(
        "harness.nativeTypes is required: the adapter README's types of broker.native() and job.raw",
      );
    }
    return given;
  };

  suite.rule(
    'X1 broker.native() is the documented client type, and native(Type) returns it checked',
    async (scope) => {
      const { client: type } = types();
      const broker = await scope.connect();
      const client = broker.native();
      assert.ok(isNative(client, type), `broker.native() is not a ${type.name}`);
      assert.equal(broker.native(type), client, 'native(Type) returns the very client');
    },
  );

  suite.rule('X1 broker.native(Type) of another type throws a NativeTypeError naming both', async (scope) => {
    types();
    const broker = await scope.connect();
    assert.throws(
      () => broker.native(NotTheNativeClient),
      (error: unknown) => {
        assert.ok(error instanceof NativeTypeError, `expected NativeTypeError, got ${String(error)}`);
        assert.equal(error.expected, 'NotTheNativeClient');
        assert.match(error.message, /NotTheNativeClient/);
        return true;
      },
    );
  });

  suite.rule('X1 job.raw is the documented native message type', async (scope) => {
    const { message: type } = types();
    const broker = await scope.connect();
    const queue = scope.queue(broker, ctx.queueName('x1'));
    await queue.provision();
    const log = new JobLog(ctx);
    queue.process(log.handler);
    await queue.send({ x1: true });
    await ctx.waitFor('the job', () => log.count >= 1, ctx.ms(5_000));
    const raw: unknown = log.seen[0]!.job.raw;
    assert.ok(isNative(raw, type), `job.raw is not a ${type.name}`);
  });
}

import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { type BackgroundErrorInfo, type Broker, BrokerError, ErrorCode } from '@polyqueue/core';
import type { TestScope } from '../scope.js';
import type { RuleRegistry } from '../skip.js';

interface Seen {
  readonly error: unknown;
  readonly info: BackgroundErrorInfo;
}

/** A URL's userinfo with an unmasked password: `//user:secret@`. */
const CLEAR_PASSWORD = /\/\/[^/@\s:]*:(?!\*\*\*@)[^/@\s]+@/;

/** Everything a user could see of an error: message, stack, causes, own properties. */
function everythingAbout(error: unknown): string {
  return `${String(error)}\n${(error as Error)?.stack ?? ''}\n${inspect(error, { depth: 8, showHidden: true })}`;
}

/**
 * E1: an error in work no caller awaits (a forwarder, a copier, a reconnect, a redeclare) reaches
 * `broker.on('error')`, wrapped once with the adapter's code, naming what failed, credentials masked.
 */
export function backgroundErrorRules(suite: RuleRegistry): void {
  const { ctx } = suite;
  const fault = ctx.harness.backgroundFault;

  suite.rule(
    'E1 a fault in background work surfaces on broker.on("error") with its action, queue and code, credentials masked',
    async (scope) => {
      if (fault === undefined) {
        assert.fail(
          "harness.backgroundFault is required: how to make this adapter's background work fail, " +
            "or 'none' when the adapter runs none",
        );
      }
      if (fault === 'none') return; // registered as skipped
      const { broker, secret } = await connectForFault(scope, fault.connect);
      const seen: Seen[] = [];
      broker.on('error', (error, info) => void seen.push({ error, info }));
      const name = ctx.queueName('e1');
      const queue = scope.queue(broker, name);
      await queue.provision();
      queue.process(() => undefined);
      await fault.inject(broker, name);
      await queue.send({ e1: true }, { delay: ctx.ms(1_000) });
      const matching = () => seen.find((report) => report.info.action === fault.action);
      await ctx.waitFor(
        `a background error with action "${fault.action}" on broker.on('error')`,
        () => matching() !== undefined,
        ctx.ms(15_000),
      );
      const { error, info } = matching()!;
      if (fault.perQueue !== false) assert.equal(info.queue, name, 'the report names the queue');
      assert.ok(error instanceof BrokerError, `expected a BrokerError, got ${String(error)}`);
      assert.ok(
        (Object.values(ErrorCode) as string[]).includes(error.code),
        `the error carries a code of the closed set, got ${String(error.code)}`,
      );
      const shown = everythingAbout(error);
      if (secret !== undefined) assert.ok(!shown.includes(secret), `the error shows the secret: ${shown}`);
      assert.doesNotMatch(shown, CLEAR_PASSWORD, 'the error shows a URL password');
    },
    {
      budgetMs: 20_000,
      requires: { capability: 'backgroundWork', present: fault !== 'none' },
    },
  );
}

async function connectForFault(
  scope: TestScope,
  connect: (() => Promise<{ readonly broker: Broker; readonly secret?: string }>) | undefined,
): Promise<{ broker: Broker; secret?: string | undefined }> {
  if (connect === undefined) return { broker: await scope.connect() };
  const { broker, secret } = await connect();
  return { broker: scope.adopt(broker), secret };
}

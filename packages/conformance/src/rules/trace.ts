import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type Broker, type Instrumentation, type Job, UnrecoverableError } from '@polyqueue/core';
import { recordEvents } from '../observe.js';
import type { RuleRegistry } from '../skip.js';
import { deadlineFor } from '../timing.js';

interface TraceContext {
  readonly traceparent: string;
  readonly tracestate: string;
}

/**
 * Instrumentation that stamps one fixed W3C context on every send, as `@polyqueue/otel` does.
 * Installed through core's hook, so T1 needs no OpenTelemetry and no harness field per adapter.
 */
function stampTraceContext(broker: Broker): TraceContext {
  const sent: TraceContext = {
    traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
    tracestate: 'pqc=t1,vendor=x',
  };
  const instrumentation: Instrumentation = {
    send(_queue, _adapter, messages) {
      for (const message of messages) Object.assign(message.meta, sent);
      return { end() {} };
    },
    process() {
      return { run: (fn) => fn(), failed() {}, settled() {} };
    },
  };
  broker.instrument(instrumentation);
  return sent;
}

function seenContext(job: Job<unknown>): { traceparent: string | undefined; tracestate: string | undefined } {
  return { traceparent: job.traceparent, tracestate: job.tracestate };
}

/** T1: the trace context sent is the context the handler sees, whatever path the job took. */
export function traceRules(suite: RuleRegistry): void {
  const { ctx } = suite;
  const maxNative = ctx.capabilities.maxNativeDelayMs;

  suite.rule(
    'T1 the trace context sent is the one seen after a delay beyond the native maximum',
    async (scope) => {
      const delay = Number.isFinite(maxNative)
        ? Math.max(ctx.ms(1_000), Math.ceil(maxNative * 1.5))
        : ctx.ms(1_000);
      const broker = await scope.connect();
      const sent = stampTraceContext(broker);
      const queue = scope.queue(broker, ctx.queueName('t1-delay'));
      await queue.provision();
      const seen: ReturnType<typeof seenContext>[] = [];
      queue.process((job) => {
        seen.push(seenContext(job));
      });
      await queue.send({ delayed: true }, { delay });
      await ctx.waitFor('the delayed job', () => seen.length >= 1, deadlineFor(ctx, delay));
      assert.deepEqual(seen[0], sent);
    },
    { budgetMs: Number.isFinite(maxNative) ? Math.max(10_000, (maxNative * 3) / ctx.scale) : undefined },
  );

  suite.rule('T1 the trace context sent is the one seen on the attempt after a retry', async (scope) => {
    const broker = await scope.connect();
    const sent = stampTraceContext(broker);
    const queue = scope.queue(broker, ctx.queueName('t1-retry'), {
      maxAttempts: 3,
      backoff: { type: 'fixed', delayMs: ctx.ms(200) },
    });
    await queue.provision();
    const seen: { attempt: number; context: ReturnType<typeof seenContext> }[] = [];
    queue.process((job) => {
      seen.push({ attempt: job.attempt, context: seenContext(job) });
      if (job.attempt === 1) throw new Error('first attempt fails');
    });
    await queue.send({ retried: true });
    await ctx.waitFor('the second attempt', () => seen.length >= 2, ctx.ms(5_000));
    // Attempt numbering is R1's business; T1 only needs the second sighting to be a later attempt.
    assert.equal(seen[0]!.attempt, 1);
    assert.ok(seen[1]!.attempt > 1, `the second sighting is attempt ${seen[1]!.attempt}`);
    assert.deepEqual(seen[0]!.context, sent, 'first attempt');
    assert.deepEqual(seen[1]!.context, sent, 'attempt after the retry');
  });

  suite.rule('T1 the trace context sent is the one seen after dead-letter and redrive', async (scope) => {
    const broker = await scope.connect();
    const sent = stampTraceContext(broker);
    const queue = scope.queue(broker, ctx.queueName('t1-dlq'));
    await queue.provision();
    let fail = true;
    const seen: ReturnType<typeof seenContext>[] = [];
    const worker = queue.process((job) => {
      seen.push(seenContext(job));
      if (fail) throw new UnrecoverableError('to the dead-letter queue');
    });
    const dead = recordEvents(ctx, worker, 'dead-lettered');
    await queue.send({ redriven: true });
    await ctx.waitFor('the job to be dead-lettered', () => dead.length >= 1, ctx.ms(5_000));
    fail = false;
    let moved = 0;
    await ctx.waitFor(
      'the dead letter to be redriven',
      async () => {
        moved += await queue.deadLetters.redrive();
        return moved >= 1;
      },
      ctx.ms(5_000),
    );
    await ctx.waitFor('the redriven job', () => seen.length >= 2, ctx.ms(5_000));
    assert.deepEqual(seen[0], sent, 'the attempt that dead-lettered');
    assert.deepEqual(seen[1], sent, 'the redriven attempt');
  });
}

import assert from 'node:assert/strict';
import type { Broker, Queue, QueueOptions } from '@polyqueue/core';
import { simulateCrash } from '@polyqueue/core/testing';
import type { SuiteContext } from './context.js';

/**
 * The resources of one test: every broker connection it opened, closed in `dispose()` whatever
 * happened. Tests share nothing but the broker itself, so one test's leftovers cannot make
 * another pass or fail.
 */
export class TestScope {
  readonly ctx: SuiteContext;
  readonly #brokers: Broker[] = [];

  constructor(ctx: SuiteContext) {
    this.ctx = ctx;
  }

  /**
   * A new connection (a separate process, as far as the broker can tell). It must declare the
   * capabilities the harness announced, or the skips computed from them would be wrong.
   */
  async connect(options?: { provision?: boolean }): Promise<Broker> {
    const broker = await this.ctx.harness.connect(options);
    this.#brokers.push(broker);
    assert.deepEqual(
      broker.capabilities,
      this.ctx.capabilities,
      'harness.capabilities must equal what the connected broker declares',
    );
    return broker;
  }

  /**
   * `broker.queue(name, options)` with a lease of a nominal 30 s unless the test sets its own. The
   * core's default lease does not scale with `timeScale`: on a virtual clock where a nominal
   * second is minutes long, even a short handler would outlive it, and every test would silently
   * depend on lease extension (L1, L2) instead of only the rule it is about.
   */
  queue<T = unknown>(broker: Broker, name: string, options: QueueOptions<T> = {}): Queue<T> {
    return broker.queue<T>(name, { leaseMs: this.ctx.leaseMs(30_000), ...options });
  }

  /** The broker's process dies this instant: nothing is settled, released or extended. */
  crash(broker: Broker): Promise<void> {
    const crash = this.ctx.harness.crash ?? simulateCrash;
    return crash(broker);
  }

  /**
   * Closes every connection still open, newest first. A running handler gets a nominal second to
   * finish before its job is released; a close that never ends is a failure, after which the
   * connection is dropped as if crashed so that nothing leaks into the next test.
   */
  async dispose(): Promise<void> {
    const { ctx } = this;
    let failure: unknown;
    for (const broker of this.#brokers.reverse()) {
      if (broker.closed) continue;
      try {
        await ctx.settle(
          'broker.close() at the end of the test',
          broker.close({ timeoutMs: ctx.ms(1_000) }),
          ctx.ms(10_000),
        );
      } catch (error) {
        failure ??= error;
        await this.crash(broker).catch(() => undefined);
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/** Runs `body` with a fresh scope and always disposes it; the body's own failure wins. */
export async function withScope(ctx: SuiteContext, body: (scope: TestScope) => Promise<void>): Promise<void> {
  const scope = new TestScope(ctx);
  let failure: { error: unknown } | undefined;
  try {
    await body(scope);
  } catch (error) {
    failure = { error };
  }
  try {
    await scope.dispose();
  } catch (error) {
    // A cleanup failure is reported only when it is the only failure: otherwise it would hide the cause.
    failure ??= { error };
  }
  if (failure) throw failure.error;
}

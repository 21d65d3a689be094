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
  #ended = false;

  constructor(ctx: SuiteContext) {
    this.ctx = ctx;
  }

  /**
   * A new connection (a separate process, as far as the broker can tell). It must declare the
   * capabilities the harness announced, or the skips computed from them would be wrong.
   */
  async connect(options?: { provision?: boolean }): Promise<Broker> {
    this.#assertLive();
    const broker = await this.ctx.harness.connect(options);
    this.#brokers.push(broker);
    // A body that outlived its rule's timeout may still be connecting: that connection must not
    // run into the next rule either.
    if (this.#ended) {
      await this.crash(broker).catch(() => undefined);
      this.#assertLive();
    }
    assert.deepEqual(
      broker.capabilities,
      this.ctx.capabilities,
      'harness.capabilities must equal what the connected broker declares',
    );
    return broker;
  }

  /** A connection the harness opened itself (e.g. `backgroundFault.connect`): closed like the others. */
  adopt(broker: Broker): Broker {
    this.#brokers.push(broker);
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
    this.#ended = true;
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

  /**
   * Ends the test at once: every connection is crashed, not closed, because a graceful close
   * would wait for the very handlers that may be hung. Used when a rule runs out of time, so
   * that its workers stop before the next rule starts instead of taking that rule's jobs.
   */
  async abandon(): Promise<void> {
    this.#ended = true;
    await Promise.all(
      this.#brokers.map((broker) =>
        // Bounded on the wall clock: the next rule must not wait on a crash that hangs.
        Promise.race([
          this.crash(broker).catch(() => undefined),
          new Promise<void>((resolve) => setTimeout(resolve, ABANDON_WAIT_MS).unref()),
        ]),
      ),
    );
  }

  #assertLive(): void {
    if (this.#ended) throw new Error('This test has ended (it ran out of time): no new connections');
  }
}

/** How long `abandon()` waits for each crash on the wall clock. */
const ABANDON_WAIT_MS = 5_000;

/** A rule that ran past its time limit; its scope was abandoned before this was thrown. */
export class RuleTimeoutError extends Error {
  override get name(): string {
    return 'RuleTimeoutError';
  }
}

/**
 * Runs `body` with a fresh scope and always disposes it; the body's own failure wins. With
 * `timeoutMs` (wall clock), a body still running then fails the test after its scope has been
 * abandoned: its connections crashed and its polling stopped, so none of its workers can leak
 * into the next test. The runner's own timeout must be longer, or it would end the test first.
 */
export async function withScope(
  ctx: SuiteContext,
  body: (scope: TestScope) => Promise<void>,
  timeoutMs?: number,
): Promise<void> {
  const scope = new TestScope(ctx);
  const test = ctx.beginTest();
  let failure: { error: unknown } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const running = body(scope);
  try {
    if (timeoutMs === undefined) await running;
    else {
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new RuleTimeoutError(`The test ran out of time (${timeoutMs} ms on the wall clock)`)),
          timeoutMs,
        );
      });
      await Promise.race([running, timedOut]);
    }
  } catch (error) {
    failure = { error };
  } finally {
    clearTimeout(timer);
  }
  if (failure?.error instanceof RuleTimeoutError) {
    // The body is still running: stop its waits and its connections; what it throws from now on
    // is a consequence of that, not news.
    ctx.endTest(test);
    running.catch(() => undefined);
    await scope.abandon();
    throw failure.error;
  }
  try {
    await scope.dispose();
  } catch (error) {
    // A cleanup failure is reported only when it is the only failure: otherwise it would hide the cause.
    failure ??= { error };
  }
  ctx.endTest(test);
  if (failure) throw failure.error;
}

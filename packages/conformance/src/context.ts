import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Capabilities } from '@polyqueue/core';
import type { ConformanceHarness, SuiteTime } from './harness.js';

/** Wall-clock time, used when the harness gives none. */
export const realTime: SuiteTime = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * How often `waitFor` looks, in nominal ms. Small enough that polling adds little to a timing
 * bound, large enough that a remote broker's stats endpoint is not hammered.
 */
const NOMINAL_STEP_MS = 15;

let queueCounter = 0;

/**
 * Everything a rule needs to know about time and the broker, shared by all tests of one run.
 * Every duration a rule uses is nominal (leases of 1–2 s, backoffs of a few hundred ms) and goes
 * through `ms()`, so one `timeScale` makes the suite fit a fast in-process broker, a slow emulator,
 * or a virtual clock on which an hour passes per nominal second.
 */
export class SuiteContext {
  readonly harness: ConformanceHarness;
  readonly capabilities: Capabilities;
  readonly scale: number;
  readonly time: SuiteTime;
  /** True when the harness drives its own clock: wall-clock test timeouts then do not scale. */
  readonly virtualTime: boolean;
  /** One `waitFor` poll: its length is slack in every bound observed by polling. */
  readonly step: number;
  /** The test running now (0 between tests): waits started by another test stop polling. */
  #currentTest = 0;
  #tests = 0;

  constructor(harness: ConformanceHarness) {
    const scale = harness.timeScale ?? 1;
    if (!(scale > 0) || !Number.isFinite(scale))
      throw new Error(`timeScale must be a finite number > 0, got ${scale}`);
    this.harness = harness;
    this.capabilities = harness.capabilities;
    this.scale = scale;
    this.time = harness.time ?? realTime;
    this.virtualTime = harness.time !== undefined;
    this.step = Math.max(1, Math.round(NOMINAL_STEP_MS * scale));
  }

  /** Marks the start of a test; returns its number for `endTest`. */
  beginTest(): number {
    this.#tests += 1;
    this.#currentTest = this.#tests;
    return this.#currentTest;
  }

  /**
   * Marks the end of a test. A test body that outlived it (its rule timed out) fails at its next
   * poll instead of going on sleeping, which on a virtual clock would move the next test's time.
   */
  endTest(test: number): void {
    if (this.#currentTest === test) this.#currentTest = 0;
  }

  #assertSameTest(test: number, what: string): void {
    if (this.#currentTest !== test) throw new Error(`Stopped waiting for ${what}: its test has ended`);
  }

  /** ε: a delivery may come this much before its due time (declared by the adapter). */
  get epsilon(): number {
    return this.capabilities.timing.granularityMs;
  }

  /** How late a delivery may come after its due time (declared by the adapter). */
  get tolerance(): number {
    return this.capabilities.timing.toleranceMs;
  }

  /** A nominal duration, scaled. */
  ms(nominal: number): number {
    return Math.max(1, Math.round(nominal * this.scale));
  }

  /** A nominal lease, scaled and kept inside the broker's declared lease range. */
  leaseMs(nominal: number): number {
    const { minMs, maxMs } = this.capabilities.lease;
    return Math.min(maxMs, Math.max(minMs, this.ms(nominal)));
  }

  now(): number {
    return this.time.now();
  }

  sleep(ms: number): Promise<void> {
    return this.time.sleep(ms);
  }

  /**
   * A queue name no other test (or earlier run against the same broker) has used: a prefix, a
   * counter for reading logs, and randomness because a real broker outlives the test process.
   * Letters, digits and dashes only, short enough for every broker's name limit.
   */
  queueName(label: string): string {
    queueCounter += 1;
    return `pqc-${label.toLowerCase()}-${queueCounter}-${randomBytes(3).toString('hex')}`;
  }

  /**
   * Polls `predicate` every step until it holds, sleeping on the suite's time between polls. On a
   * virtual clock each sleep advances the clock, which is what lets broker timers fire.
   */
  async waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
    const test = this.#currentTest;
    const deadline = this.now() + timeoutMs;
    for (;;) {
      this.#assertSameTest(test, what);
      if (await predicate()) return;
      if (this.now() >= deadline) assert.fail(`Timed out after ${timeoutMs} ms waiting for ${what}`);
      await this.sleep(this.step);
    }
  }

  /**
   * Awaits a promise while keeping time moving. Needed for anything that may wait on the broker's
   * clock (closing a worker whose handler sleeps): on a virtual clock nothing else would advance it.
   */
  async settle<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    promise.then(
      (value) => {
        outcome = { ok: true, value };
      },
      (error: unknown) => {
        outcome = { ok: false, error };
      },
    );
    await this.waitFor(what, () => outcome !== undefined, timeoutMs);
    if (!outcome!.ok) throw outcome!.error;
    return outcome!.value;
  }

  /**
   * Lets `ms` pass, then returns: for "nothing more arrives" checks. `check`, when given, runs at
   * every step and at the end, so that such a check fails as soon as the thing happens.
   */
  async quietPeriod(ms: number, check?: () => void): Promise<void> {
    const test = this.#currentTest;
    const until = this.now() + ms;
    while (this.now() < until) {
      this.#assertSameTest(test, 'a quiet period');
      check?.();
      await this.sleep(Math.min(this.step, until - this.now()));
    }
    check?.();
  }
}

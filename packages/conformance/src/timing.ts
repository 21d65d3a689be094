import assert from 'node:assert/strict';
import type { SuiteContext } from './context.js';

/**
 * Timing bounds, all in the suite's time. A delivery may be early by at most ε (the adapter's
 * declared granularity) and late by at most its declared tolerance, plus one `waitFor` step:
 * on a virtual clock a handler can only start inside the step during which its timer fired.
 * Bounds are computed from stamps taken on the safe side (the earliest reference before an
 * operation, the latest after it), so that they never blame an adapter for the suite's own lag.
 */

/** `actual` came no earlier than `due` minus ε. */
export function assertNotEarly(ctx: SuiteContext, what: string, actual: number, due: number): void {
  const earliest = due - ctx.epsilon;
  assert.ok(actual >= earliest, `${what} came ${due - actual} ms before it was due (ε is ${ctx.epsilon} ms)`);
}

/** `actual` came no later than `due` plus the tolerance and one step. */
export function assertNotLate(ctx: SuiteContext, what: string, actual: number, due: number): void {
  const latest = due + ctx.tolerance + ctx.step;
  assert.ok(
    actual <= latest,
    `${what} came ${actual - due} ms after it was due (tolerance ${ctx.tolerance} ms + step ${ctx.step} ms)`,
  );
}

/** Both bounds: `actual` lies in [earliestDue − ε, latestDue + tolerance + step]. */
export function assertOnTime(
  ctx: SuiteContext,
  what: string,
  actual: number,
  due: { readonly earliest: number; readonly latest: number },
): void {
  assertNotEarly(ctx, what, actual, due.earliest);
  assertNotLate(ctx, what, actual, due.latest);
}

/** How long to wait for something due after `ms`: the bound itself, with room to report lateness. */
export function deadlineFor(ctx: SuiteContext, ms: number): number {
  return ms + ctx.tolerance + ctx.ms(2_000);
}

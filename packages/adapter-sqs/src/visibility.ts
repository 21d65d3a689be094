/** SQS's visibility budget: 12 hours counted from the receive, across every extension. */
export const VISIBILITY_BUDGET_MS = 43_200_000;

/** A lease or backoff in whole seconds (SQS's unit), rounded up: never shorter than asked. */
export function toSeconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1_000));
}

/**
 * The most visibility, in whole seconds, a message received at `receivedAt` may still be given:
 * SQS rejects (rather than clamps) a change that would end past the budget.
 */
export function remainingBudgetSeconds(receivedAt: number, now: number): number {
  return Math.max(0, Math.floor((receivedAt + VISIBILITY_BUDGET_MS - now) / 1_000));
}

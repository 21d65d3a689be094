import { UnrecoverableError } from '../errors/unrecoverable-error.js';
import {
  type DeadLetterReason,
  type DeadLetterRecord,
  MAX_ERROR_MESSAGE_CHARS,
  MAX_STACK_CHARS,
  truncate,
} from '../wire/job-meta.js';
import type { QueueRuntime } from './queue-runtime.js';

export type Settlement =
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'dead-letter'; readonly record: DeadLetterRecord };

/** The one place that decides what happens to a failed attempt. */
export function settlementFor(
  rt: QueueRuntime<unknown>,
  attempt: number,
  error: Error,
  onBadBackoff: (message: string) => void,
): Settlement {
  if (error instanceof UnrecoverableError) {
    return { kind: 'dead-letter', record: deadLetterRecord(rt, attempt, 'unrecoverable', error) };
  }
  if (attempt >= rt.topology.maxAttempts) {
    return { kind: 'dead-letter', record: deadLetterRecord(rt, attempt, 'failed', error) };
  }
  let delayMs: number;
  try {
    delayMs = rt.backoff(attempt, error);
  } catch (backoffError) {
    // A broken custom backoff must not lose the job: fall back to a safe exponential wait.
    onBadBackoff(`backoff function failed (${String(backoffError)}); using the default`);
    delayMs = Math.min(300_000, 1_000 * 2 ** (attempt - 1));
  }
  return { kind: 'retry', delayMs: Math.max(0, Math.round(delayMs)) };
}

export function deadLetterRecord(
  rt: QueueRuntime<unknown>,
  attempts: number,
  reason: DeadLetterReason,
  error: Error,
): DeadLetterRecord {
  return {
    reason,
    errorName: error.name,
    errorMessage: truncate(error.message, MAX_ERROR_MESSAGE_CHARS),
    ...(error.stack ? { errorStack: truncate(error.stack, MAX_STACK_CHARS) } : {}),
    attempts,
    sourceQueue: rt.topology.name,
    failedAt: rt.clock.now(),
  };
}

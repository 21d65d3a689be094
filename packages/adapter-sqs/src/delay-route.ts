/** Where a message due at `notBefore` goes now, and with what `DelaySeconds`. */
export interface DelayRoute {
  readonly queue: 'work' | 'delay';
  readonly delaySeconds: number;
}

/**
 * The delay paths (docs/brokers.md, AWS SQS: delays), in one place:
 * - due now: the work queue, no delay;
 * - standard queue, due within the native maximum (15 min): the work queue with `DelaySeconds`;
 * - anything longer, and any delay on a FIFO queue (no per-message delay there): the delay queue,
 *   for at most the native maximum at a time; its forwarder hops the message again or moves it to
 *   the work queue when it is due. Every copy is a new message, so waiting burns no receive count
 *   on the work queue and no attempt.
 * Seconds are rounded up: SQS delays are whole seconds, and a job may be late, never early.
 */
export function delayRoute(
  notBefore: number | undefined,
  now: number,
  fifo: boolean,
  maxNativeDelaySeconds: number,
): DelayRoute {
  const remainingMs = notBefore === undefined ? 0 : notBefore - now;
  if (remainingMs <= 0) return { queue: 'work', delaySeconds: 0 };
  const seconds = Math.ceil(remainingMs / 1_000);
  if (!fifo && seconds <= maxNativeDelaySeconds) return { queue: 'work', delaySeconds: seconds };
  return { queue: 'delay', delaySeconds: Math.min(seconds, maxNativeDelaySeconds) };
}

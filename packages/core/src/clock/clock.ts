/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/**
 * The time source of a broker and of the runtime that drives it. Everything in polyqueue that
 * waits (leases, backoff, delays, handler timeouts) goes through one Clock, which is what lets the
 * memory adapter run on virtual time where days pass in milliseconds.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Resolves after `ms` on the given clock, or rejects with the signal's reason when aborted. The
 * one abortable sleep of the code base: whichever way it ends, it leaves no listener on `signal`,
 * so a loop that sleeps on one long-lived signal does not pile them up.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let handle: TimerHandle | undefined;
    const onAbort = () => {
      if (handle !== undefined) clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    // Listen first: a clock may fire a due timer synchronously, and the wake-up must still find
    // the listener to remove.
    signal?.addEventListener('abort', onAbort, { once: true });
    handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
  });
}

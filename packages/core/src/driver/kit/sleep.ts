import type { Clock, TimerHandle } from '../../clock/clock.js';

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

/**
 * {@link sleep} for loops: resolves after `ms`, or as soon as `signal` aborts. A loop checks its
 * signal at the top anyway, so an abort is no error for it, and a rejection would only have to be
 * caught and ignored at every call site.
 */
export function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return sleep(clock, ms, signal).catch(() => undefined);
}

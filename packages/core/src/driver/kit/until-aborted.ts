/**
 * The promise's value, or `undefined` as soon as `signal` aborts, whichever comes first; the
 * promise itself keeps running (the caller decides what a late value means: give it back, drop
 * it). A rejection before the abort rejects. Leaves no listener on the signal either way. For a
 * receive that must return soon after its signal aborts while the broker call cannot be cut short.
 */
export async function untilAborted<T>(promise: PromiseLike<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return undefined;
  let onAbort!: () => void;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

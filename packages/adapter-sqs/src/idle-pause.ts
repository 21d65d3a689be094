/** Pause after an empty short poll (`waitTimeSeconds` 0), so that an idle loop does not hammer SQS. */
const SHORT_POLL_IDLE_MS = 50;

/** Resolves at once after a long poll (it already waited), else after a short pause or on abort. */
export function idlePause(waitTimeSeconds: number, signal: AbortSignal): Promise<void> {
  if (waitTimeSeconds > 0 || signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, SHORT_POLL_IDLE_MS);
    signal.addEventListener('abort', done, { once: true });
  });
}

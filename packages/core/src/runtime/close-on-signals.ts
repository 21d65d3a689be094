import type { CloseOptions } from './options.js';

export interface Closable {
  close(options?: CloseOptions): Promise<void>;
}

export interface CloseOnSignalsOptions extends CloseOptions {
  /** Default: SIGTERM and SIGINT, what Kubernetes, systemd, ECS and Ctrl-C send. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Called once everything is closed (or closing failed). Default: nothing, the process exits on its own. */
  readonly onClosed?: (error?: unknown) => void;
}

/**
 * Closes workers and brokers gracefully on the first shutdown signal: running jobs finish (up to
 * `timeoutMs`), prefetched ones are handed back. A second signal exits at once with code 130, for
 * the operator who really means it. Returns a function that removes the listeners.
 */
export function closeOnSignals(
  closables: readonly Closable[],
  options: CloseOnSignalsOptions = {},
): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let closing = false;
  const onSignal = () => {
    if (closing) {
      process.exit(130);
    }
    closing = true;
    const closeOptions = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
    Promise.all(closables.map((c) => c.close(closeOptions))).then(
      () => {
        remove();
        options.onClosed?.();
      },
      (error) => {
        remove();
        options.onClosed?.(error);
      },
    );
  };
  const remove = () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return remove;
}

import { ConfigError } from '../errors/config-error.js';

/**
 * How long to wait before the next attempt. `attempt` is the attempt that just failed (1-based).
 * - fixed: always `delayMs`.
 * - exponential: `initialMs * multiplier^(attempt-1)`, capped at `maxMs`. With `jitter`, a uniform
 *   random value in [0, that] ("full jitter", the AWS recommendation against thundering herds).
 * - a function: anything you like; it receives the error too.
 */
export type Backoff =
  | { readonly type: 'fixed'; readonly delayMs: number }
  | {
      readonly type: 'exponential';
      readonly initialMs: number;
      readonly maxMs?: number;
      readonly multiplier?: number;
      readonly jitter?: boolean;
    }
  | BackoffFunction;

export type BackoffFunction = (attempt: number, error: Error) => number;

export const DEFAULT_BACKOFF: Backoff = {
  type: 'exponential',
  initialMs: 1_000,
  maxMs: 300_000,
  jitter: true,
};

/** Validates a backoff once, at queue definition, and returns the function the worker calls. */
export function compileBackoff(backoff: Backoff, random: () => number = Math.random): BackoffFunction {
  if (typeof backoff === 'function') {
    return (attempt, error) => {
      const ms = backoff(attempt, error);
      if (!Number.isFinite(ms) || ms < 0)
        throw new ConfigError(`Backoff function returned ${ms}; expected ms >= 0`);
      return ms;
    };
  }
  if (backoff.type === 'fixed') {
    requireMs('backoff.delayMs', backoff.delayMs);
    return () => backoff.delayMs;
  }
  if (backoff.type === 'exponential') {
    const { initialMs, maxMs = Number.POSITIVE_INFINITY, multiplier = 2, jitter = false } = backoff;
    requireMs('backoff.initialMs', initialMs);
    if (!(maxMs >= initialMs)) throw new ConfigError('backoff.maxMs must be >= backoff.initialMs');
    if (!(multiplier >= 1)) throw new ConfigError('backoff.multiplier must be >= 1');
    return (attempt) => {
      const ceiling = Math.min(maxMs, initialMs * multiplier ** Math.max(0, attempt - 1));
      return jitter ? Math.floor(random() * ceiling) : ceiling;
    };
  }
  throw new ConfigError(`Unknown backoff type: ${JSON.stringify((backoff as { type?: unknown }).type)}`);
}

function requireMs(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`${name} must be a number of ms >= 0`);
}

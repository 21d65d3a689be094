import { ErrorCode } from '../../errors/error-code.js';

/**
 * Socket-level error codes, all Unavailable: the broker could not be reached or dropped us. A
 * socket ETIMEDOUT means the peer did not answer (unreachable), not that an operation ran out of
 * time: DeadlineExceeded is for polyqueue's own bounded waits, which adapters map themselves.
 */
const UNREACHABLE: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
  'ETIMEDOUT',
]);

/** SDKs wrap socket errors (cause chains, AggregateError from happy-eyeballs): look this deep. */
const MAX_DEPTH = 8;

/**
 * The one table of network errors, for every adapter's error mapping and core's connect errors.
 * Looks through `cause` and `AggregateError.errors`. Undefined when it is not a network error, so
 * an adapter falls through to its own table.
 */
export function networkErrorCode(error: unknown): ErrorCode | undefined {
  return search(error, 0, new Set());
}

function search(error: unknown, depth: number, seen: Set<unknown>): ErrorCode | undefined {
  if (typeof error !== 'object' || error === null || depth > MAX_DEPTH || seen.has(error)) return undefined;
  seen.add(error);
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && UNREACHABLE.has(code)) return ErrorCode.Unavailable;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = search(inner, depth + 1, seen);
      if (found !== undefined) return found;
    }
  }
  return search(cause, depth + 1, seen);
}

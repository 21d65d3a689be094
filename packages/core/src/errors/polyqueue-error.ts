import { type ErrorCode, isRetryableCode } from './error-code.js';

export interface PolyqueueErrorOptions {
  readonly code: ErrorCode;
  readonly cause?: unknown;
}

/**
 * Base class of every error polyqueue raises. It carries one code from the closed set and keeps the
 * native error as `cause`: the core wraps a driver error exactly once, so `cause` is always the
 * broker's own error and never another PolyqueueError.
 */
export class PolyqueueError extends Error {
  readonly code: ErrorCode;

  constructor(message: string, options: PolyqueueErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }

  override get name(): string {
    return this.constructor.name;
  }

  /** True when trying the same operation again later may succeed. */
  get retryable(): boolean {
    return isRetryableCode(this.code);
  }
}

/** True for errors worth retrying: a PolyqueueError with a retryable code. */
export function isRetryable(error: unknown): boolean {
  return error instanceof PolyqueueError && error.retryable;
}

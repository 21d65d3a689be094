import { ErrorCode } from './error-code.js';
import { PolyqueueError } from './polyqueue-error.js';

/**
 * A received message the worker cannot turn into a job: its body does not deserialize, or it
 * fails the queue's schema. The worker dead-letters it with this reason and keeps running.
 */
export class DecodeError extends PolyqueueError {
  readonly reason: 'decode' | 'validation';

  constructor(reason: 'decode' | 'validation', message: string, cause?: unknown) {
    super(message, { code: ErrorCode.InvalidArgument, cause });
    this.reason = reason;
  }
}

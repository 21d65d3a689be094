import type { ErrorCode } from './error-code.js';
import { PolyqueueError } from './polyqueue-error.js';

/** A native broker or SDK error, wrapped once with its code. The native error is `cause`. */
export class BrokerError extends PolyqueueError {
  constructor(message: string, code: ErrorCode, cause: unknown) {
    super(message, { code, cause });
  }
}

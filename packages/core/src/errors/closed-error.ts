import { ErrorCode } from './error-code.js';
import { PolyqueueError } from './polyqueue-error.js';

/** An operation on a broker, queue or worker that was already closed. Retrying cannot help. */
export class ClosedError extends PolyqueueError {
  constructor(what: string, operation: string) {
    super(`Cannot ${operation}: the ${what} is closed`, { code: ErrorCode.InvalidArgument });
  }
}

import { ErrorCode } from './error-code.js';
import { PolyqueueError } from './polyqueue-error.js';

/** The handler ran past `handlerTimeoutMs`. The attempt fails and the handler's signal is aborted. */
export class HandlerTimeoutError extends PolyqueueError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`Handler did not finish within ${timeoutMs} ms`, { code: ErrorCode.DeadlineExceeded });
    this.timeoutMs = timeoutMs;
  }
}

import { ErrorCode } from './error-code.js';
import { PolyqueueError } from './polyqueue-error.js';

/** The encoded message exceeds the broker's declared limit. Raised before any network call. */
export class MessageTooLargeError extends PolyqueueError {
  readonly sizeBytes: number;
  readonly limitBytes: number;

  constructor(sizeBytes: number, limitBytes: number) {
    super(`Message is ${sizeBytes} bytes; the broker accepts at most ${limitBytes}`, {
      code: ErrorCode.InvalidArgument,
    });
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
  }
}

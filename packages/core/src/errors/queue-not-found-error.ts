import { ErrorCode } from './error-code.js';
import { PolyqueueError } from './polyqueue-error.js';

/** The queue does not exist on the broker and provisioning is off. */
export class QueueNotFoundError extends PolyqueueError {
  readonly queue: string;

  constructor(queue: string, cause?: unknown) {
    super(`Queue "${queue}" does not exist (provisioning is off, so polyqueue did not create it)`, {
      code: ErrorCode.NotFound,
      cause,
    });
    this.queue = queue;
  }
}

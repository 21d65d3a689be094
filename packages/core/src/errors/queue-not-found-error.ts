import { ErrorCode } from './error-code.js';
import { PolyqueueError } from './polyqueue-error.js';

/**
 * The queue does not exist on the broker. Either provisioning is off and nobody created it, or
 * it vanished after polyqueue created it (deleted by hand, or a broker that lost its data); in
 * that case the next operation on the queue provisions it again.
 */
export class QueueNotFoundError extends PolyqueueError {
  readonly queue: string;

  constructor(queue: string, cause?: unknown, options: { provisioning?: boolean } = {}) {
    super(
      options.provisioning
        ? `Queue "${queue}" is gone from the broker though polyqueue created it in this process (deleted, or the broker lost its data): the next operation creates it again`
        : `Queue "${queue}" does not exist (provisioning is off, so polyqueue did not create it)`,
      { code: ErrorCode.NotFound, cause },
    );
    this.queue = queue;
  }
}

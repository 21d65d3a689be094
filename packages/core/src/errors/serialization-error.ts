import { ErrorCode } from './error-code.js';
import { PolyqueueError } from './polyqueue-error.js';

/** A payload the serializer cannot encode (cyclic, BigInt, undefined...). Nothing was sent. */
export class SerializationError extends PolyqueueError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: ErrorCode.InvalidArgument, cause });
  }
}

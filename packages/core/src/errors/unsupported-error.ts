import { ErrorCode } from './error-code.js';
import { PolyqueueError } from './polyqueue-error.js';

/**
 * A feature the adapter does not declare (ordering, dedup...). Rejected loudly rather than
 * silently ignored, because a job that is quietly unordered or duplicated is a bug in production.
 */
export class UnsupportedFeatureError extends PolyqueueError {
  readonly capability: string;

  constructor(capability: string, adapter: string) {
    super(`The ${adapter} adapter does not declare the "${capability}" capability`, {
      code: ErrorCode.InvalidArgument,
    });
    this.capability = capability;
  }
}

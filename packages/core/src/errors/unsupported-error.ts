import { ErrorCode } from './error-code.js';
import { PolyqueueError } from './polyqueue-error.js';

/**
 * A feature the adapter does not declare (ordering, dedup...). Rejected loudly rather than
 * silently ignored, because a job that is quietly unordered or duplicated is a bug in production.
 */
export class UnsupportedFeatureError extends PolyqueueError {
  readonly capability: string;

  /** `hint`: what would make it available, when something would (a URL parameter...). */
  constructor(capability: string, adapter: string, hint?: string) {
    super(
      `The ${adapter} adapter does not declare the "${capability}" capability${hint ? `: ${hint}` : ''}`,
      {
        code: ErrorCode.InvalidArgument,
      },
    );
    this.capability = capability;
  }
}
